import { describe, expect, it } from "vitest";
import { parseQuantity, quantitiesEqual } from "../../../src/drift/quantity.js";

describe("quantities", () => {
  it.each([
    ["0.5", "500m"],
    ["1Gi", "1024Mi"],
    ["1e3", "1k"],
    [1, "1000m"],
    ["2.5", "2500m"],
    ["4096Mi", "4Gi"],
    ["1.5Gi", "1536Mi"],
    [".5", "500m"],
    ["100M", "1e8"],
    ["1Ei", "1024Pi"],
  ])("%s equals %s", (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(true);
    expect(quantitiesEqual(b, a)).toBe(true);
  });

  it.each([
    ["1Gi", "1G"],
    ["500m", "0.51"],
    ["1k", "1Ki"],
    ["1", "1n"],
  ])("%s differs from %s", (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(false);
  });

  it("rejects what is not a quantity", () => {
    expect(parseQuantity("1.2.3")).toBeUndefined();
    expect(parseQuantity("10 Gi")).toBeUndefined();
    expect(parseQuantity("Gi")).toBeUndefined();
    expect(parseQuantity(true)).toBeUndefined();
    expect(quantitiesEqual("abc", "abc")).toBe(true); // identical text is equal whatever it is
    expect(quantitiesEqual("abc", "abd")).toBe(false);
  });

  it("parses suffixes exactly", () => {
    expect(parseQuantity("1Ki")).toBe(1024);
    expect(parseQuantity("250m")).toBeCloseTo(0.25);
    expect(parseQuantity("3e-3")).toBeCloseTo(0.003);
    expect(parseQuantity("-2k")).toBe(-2000);
  });
});
