// Manifest YAML as kubectl reads it; the sandbox comparison itself is test/integration/yaml-kubectl.test.ts.
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { formatUnitData, parseUnitData } from "../../../src/hub/data.js";
import { MANIFEST_YAML } from "../../../src/lib/manifest-yaml.js";

describe("MANIFEST_YAML", () => {
  it("reads YAML 1.1 scalars with Go's integers, and no sexagesimal numbers or timestamps", () => {
    const text = "a: on\nb: n\nc: 0644\nd: 0o14\ne: 0X1F\nf: 1_000\ng: 12:30\nh: 2024-01-15\ni: -0b11\nj: 0o19\n";
    expect(parse(text, MANIFEST_YAML)).toEqual({
      a: true,
      b: false,
      c: 420,
      d: 12,
      e: 31,
      f: 1000,
      g: "12:30",
      h: "2024-01-15",
      i: -3,
      j: "0o19", // not an octal number: Go refuses it too, and go-yaml keeps the string
    });
  });

  it("writes the strings that would read as something else quoted, so that what is written reads back the same", () => {
    const values = { a: "on", b: "y", c: "0644", d: "0o14", e: "1_000", f: "12:30", g: "2024-01-15", h: "NO" };
    const text = stringify(values, MANIFEST_YAML);
    expect(parse(text, MANIFEST_YAML)).toEqual(values);
    const unit = formatUnitData([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: values }]);
    expect(parseUnitData(unit)[0]?.data).toEqual(values);
  });
});
