// The jsonb codec: every string (and key) comes back exactly as it went in, NUL included, and values without NUL
// or the escape character are stored as plain JSON (readable by SQL as they are).
import { describe, expect, it } from "vitest";
import { fromJsonb, toJsonb } from "../../../src/store/jsonb.js";

describe("jsonb codec", () => {
  it("stores plain values as plain JSON", () => {
    const v = { a: ["x", 1, null, true], b: { c: "\\u0000 is text here" } };
    expect(toJsonb(v)).toBe(JSON.stringify(v));
    expect(fromJsonb(toJsonb(v))).toEqual(v);
  });

  it("keeps no NUL in what it stores, and reads back every string exactly", () => {
    const tricky = ["a\u0000b", "\u0000", "\uE000", "\uE0000", "\uE000\u0000\uE000", "\\u0000\u0000", "x\uE000\uE000y"];
    const v = { list: tricky, "k\u0000ey": { "\uE000": tricky[0] } };
    const stored = toJsonb(v);
    const parsed = JSON.parse(stored);
    expect([...parsed.list, ...Object.keys(parsed)].join("")).not.toContain("\u0000");
    expect(fromJsonb(stored)).toEqual(v);
    expect(fromJsonb(JSON.parse(stored))).toEqual(v); // the driver may hand back parsed jsonb
  });
});
