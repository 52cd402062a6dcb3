import { describe, expect, it } from "vitest";
import { isSecretName, looksLikeCredential } from "../../../src/lib/secret-names.js";

describe("looksLikeCredential", () => {
  it.each([
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
    "Bearer eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
    "postgres://app:s3cr3t@db:5432/app",
    "see https://user:pw@example.com/x",
    "sk-ant-api03-abcdefgh",
    "ghp_abcdefghijklmnopqrstuvwx",
    "AKIAABCDEFGHIJKLMNOP",
    "password=hunter2",
    "db.api_key: 42",
    "MY_TOKEN = x",
  ])("finds %j", (value) => expect(looksLikeCredential(value)).toBe(true));

  it.each(["plain", "https://example.com/a:b", "password", "the token is rotated", "eyJ-short.x.y", 42])(
    "passes %j",
    (value) => expect(looksLikeCredential(value)).toBe(false),
  );

  // Values anyone can write into a live object, each 1 MB: a pattern tried from every position took minutes on the
  // first two and blocked the service. The answer must come (vitest's own timeout fails a test that hangs).
  it.each([
    ["a run of name characters", "y".repeat(1 << 20)],
    ["a run with dots and dashes", "a.b-".repeat(1 << 18)],
    ["repeated JWT starts", "-eyJ".repeat(1 << 18)],
    ["repeated credential names", "password".repeat(1 << 17)],
    ["a scheme and no password", `x://${"a".repeat(1 << 20)}`],
  ])("answers for %s", (_, value) => expect(looksLikeCredential(value)).toBe(false));

  it("still finds a credential at the end of a long value, and in a run of token prefixes", () => {
    expect(looksLikeCredential(`${"y".repeat(1 << 20)} password=x`)).toBe(true);
    expect(looksLikeCredential("sk-".repeat(350_000))).toBe(true);
  });
});

describe("isSecretName", () => {
  it("matches the usual names and not the rest", () => {
    expect(["DB_PASSWORD", "apiKey", "client-secret", "Authorization"].every(isSecretName)).toBe(true);
    expect(["mode", "replicas", "LOG_LEVEL"].some(isSecretName)).toBe(false);
  });
});
