import { describe, expect, it } from "vitest";
import { dataHash, parseUnitData } from "../../../src/hub/data.js";

describe("unit data", () => {
  it("hashes as hex SHA-256", () => {
    expect(dataHash("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("reads multi-document YAML and skips empty documents", () => {
    expect(
      parseUnitData(
        "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n",
      ).map((o) => o.kind),
    ).toEqual(["A", "B"]);
    expect(parseUnitData("")).toEqual([]);
  });

  it.each([
    ["apiVersion: v1\nkind: A\nmetadata:\n  name: [a\n", /invalid YAML at line \d+, column \d+/],
    ["apiVersion: v1\nkind: A\nkind: B\nmetadata: {name: a}\n", /invalid YAML at line 3, column 1/],
    ["- a\n- b\n", /document 1 \(line 1\) is not a Kubernetes object/],
    [
      "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata: {name: b}\n",
      /document 2 \(line 5\) has no apiVersion/,
    ],
    ["apiVersion: v1\nkind: A\nmetadata: {}\n", /has no metadata.name/],
  ])("rejects bad data with its place (%#)", (text, message) => {
    expect(() => parseUnitData(text)).toThrow(message);
  });
});
