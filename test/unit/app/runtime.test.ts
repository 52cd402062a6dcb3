// The reusable app runtime's pure parts: durations, settings validation (one line naming the variable), log
// redaction, readiness, and the service's settings rules.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Readiness } from "../../../src/app/health.js";
import { createLogger } from "../../../src/app/logger.js";
import { SettingsError } from "../../../src/app/settings.js";
import { parseDuration } from "../../../src/lib/duration.js";
import { clusterSpecs, loadRunSettings } from "../../../src/service/settings.js";

const base = { DRIFT_SOURCE: "./manifests", DRIFT_ANALYSIS: "rules" };

describe("durations", () => {
  it("reads Go-style durations and bare seconds", () => {
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("15")).toBe(15_000);
    expect(parseDuration("90d")).toBe(90 * 86_400_000);
    expect(parseDuration("5 minutes")).toBeUndefined();
    expect(parseDuration("-5m")).toBeUndefined();
  });
});

describe("run settings", () => {
  it("has the contract's defaults", () => {
    const s = loadRunSettings({ env: base });
    expect(s).toMatchObject({
      interval: 300_000,
      mode: "auto",
      remediation: "off",
      dataDir: "./data",
      listen: { host: "0.0.0.0", port: 8080 },
      claudeDebugLogging: true,
      confighubUrl: "https://hub.confighub.com",
      leaseDuration: 15_000,
      historyRetention: 90 * 86_400_000,
      auditRetention: 365 * 86_400_000,
    });
    expect(s.apiToken).toBeUndefined();
  });

  it("stops at a bad value with one line naming the variable, the value and what is allowed", () => {
    expect(() => loadRunSettings({ env: { ...base, DRIFT_INTERVAL: "5x" } })).toThrow(
      new SettingsError('DRIFT_INTERVAL="5x" is not allowed: expected a duration such as 30s, 5m or 1h'),
    );
    expect(() => loadRunSettings({ env: { ...base, DRIFT_MODE: "fast" } })).toThrow(
      /^DRIFT_MODE="fast" .*server, client or auto$/,
    );
    expect(() => loadRunSettings({ env: { ...base, CLAUDE_DEBUG_LOGGING: "maybe" } })).toThrow(
      /CLAUDE_DEBUG_LOGGING="maybe"/,
    );
    expect(() => loadRunSettings({ env: base, flags: { listen: "nowhere" } })).toThrow(
      /^--listen \(DRIFT_LISTEN\)="nowhere"/,
    );
  });

  it("never prints a secret's value", () => {
    let message = "";
    try {
      loadRunSettings({ env: { ...base, DATABASE_URL: "mysql://user:hunter2@db" } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^DATABASE_URL=\(hidden\) is not allowed/);
    expect(message).not.toContain("hunter2");
  });

  it("requires a source, and a key for Claude", () => {
    expect(() => loadRunSettings({ env: { DRIFT_ANALYSIS: "rules" } })).toThrow(/^DRIFT_SOURCE is required/);
    expect(() => loadRunSettings({ env: { DRIFT_SOURCE: "x" } })).toThrow(/^CLAUDE_API_KEY is required/);
    expect(loadRunSettings({ env: { DRIFT_SOURCE: "x", ANTHROPIC_API_KEY: "k" } }).claudeApiKey).toBe("k");
  });

  it("accepts a local model instead of a key; its key is a secret", () => {
    const s = loadRunSettings({
      env: {
        DRIFT_SOURCE: "x",
        DRIFT_LLM_URL: "http://127.0.0.1:11434",
        DRIFT_LLM_MODEL: "qwen2.5",
        DRIFT_LLM_API_KEY: "local-secret",
      },
    });
    expect(s).toMatchObject({ analysis: "claude", llmUrl: "http://127.0.0.1:11434", llmModel: "qwen2.5" });
    expect(s.claudeApiKey).toBeUndefined();
    let message = "";
    try {
      loadRunSettings({ env: { DRIFT_SOURCE: "x", DRIFT_LLM_URL: "not a url", DRIFT_LLM_API_KEY: "local-secret" } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^DRIFT_LLM_URL="not a url" is not allowed/);
    expect(message).not.toContain("local-secret");
  });

  it("flags win over the environment; clusters are CONTEXT=SOURCE pairs", () => {
    const s = loadRunSettings({ env: { ...base, DRIFT_INTERVAL: "1m" }, flags: { interval: "30s" } });
    expect(s.interval).toBe(30_000);
    const multi = loadRunSettings({
      env: { DRIFT_ANALYSIS: "off", DRIFT_CLUSTERS: "east=hub:prod-east, west=./west" },
    });
    expect(clusterSpecs(multi)).toEqual([
      { context: "east", source: "hub:prod-east" },
      { context: "west", source: "./west" },
    ]);
    expect(() => loadRunSettings({ env: { DRIFT_ANALYSIS: "off", DRIFT_CLUSTERS: "east" } })).toThrow(
      /^DRIFT_CLUSTERS="east"/,
    );
  });
});

describe("logs", () => {
  it("redacts secret-looking keys at any depth", () => {
    const out: string[] = [];
    const destination = new Writable({
      write(chunk, _e, cb) {
        out.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ name: "t", destination: destination as never });
    logger.info(
      { apiToken: "s3cr3t", nested: { password: "pw", headers: { authorization: "Bearer x" } }, keep: 1 },
      "m",
    );
    const line = JSON.parse(out.join(""));
    expect(line.apiToken).toBe("[redacted]");
    expect(line.nested.password).toBe("[redacted]");
    expect(line.nested.headers.authorization).toBe("[redacted]");
    expect(line.keep).toBe(1);
    expect(out.join("")).not.toMatch(/s3cr3t|Bearer x|"pw"/);
  });
});

describe("readiness", () => {
  it("is ready when every condition holds", () => {
    const r = new Readiness();
    expect(r.ready).toBe(false);
    r.set("a", false, "syncing");
    r.set("b", true);
    expect(r.ready).toBe(false);
    expect(r.report()).toEqual({ a: "syncing", b: "ok" });
    r.set("a", true);
    expect(r.ready).toBe(true);
  });
});
