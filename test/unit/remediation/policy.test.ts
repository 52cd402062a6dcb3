import { describe, expect, it } from "vitest";
import type { DriftEvent, DriftRecord } from "../../../src/detector/records.js";
import { AUTO_ACTOR, AutoRemediator } from "../../../src/remediation/auto.js";
import { allowingRule, PolicyError, parsePolicy } from "../../../src/remediation/policy.js";
import type { ActionRequest, DriftRecordView, Remediator } from "../../../src/remediation/types.js";
import { aRecordView } from "../../helpers/builders.js";

const record = aRecordView;

const policy = parsePolicy({
  rules: [{ name: "qa", severities: ["medium", "low"], kinds: ["Deployment"], namespaces: ["qa", "team-*"] }],
  backoff: { initial: "5s", factor: 3, max: "1m" },
  rateLimit: { reverts: 2, per: "1m" },
});

describe("policy", () => {
  it("allows only what a rule names", () => {
    expect(allowingRule(policy, record())?.name).toBe("qa");
    expect(allowingRule(policy, record({ ref: { ...record().ref, namespace: "team-a" } }))).toBeDefined();
    expect(allowingRule(policy, record({ severity: "high" }))).toBeUndefined();
    expect(allowingRule(policy, record({ ref: { ...record().ref, kind: "StatefulSet" } }))).toBeUndefined();
    expect(allowingRule(policy, record({ ref: { ...record().ref, namespace: "prod" } }))).toBeUndefined();
    // cluster-scoped objects only under an explicit "*"
    expect(allowingRule(policy, record({ ref: { apiVersion: "v1", kind: "Deployment", name: "x" } }))).toBeUndefined();
  });

  it("never recreates Missing objects unless the rule says so", () => {
    const missing = record({ resourceStatus: "Missing", severity: "critical" });
    const strict = parsePolicy({ rules: [{ severities: ["critical"], kinds: ["*"], namespaces: ["*"] }] });
    expect(allowingRule(strict, missing)).toBeUndefined();
    const lenient = parsePolicy({
      rules: [{ severities: ["critical"], kinds: ["*"], namespaces: ["*"], allowMissing: true }],
    });
    expect(allowingRule(lenient, missing)).toBeDefined();
  });

  it("matches labels of the desired object", () => {
    const p = parsePolicy({
      rules: [{ severities: ["medium"], kinds: ["*"], namespaces: ["*"], labels: { tier: "web" } }],
    });
    expect(allowingRule(p, record(), { tier: "web", app: "x" })).toBeDefined();
    expect(allowingRule(p, record(), { tier: "db" })).toBeUndefined();
    expect(allowingRule(p, record())).toBeUndefined();
  });

  it("rejects a rule that does not name severities, kinds and namespaces, with one message", () => {
    expect(() => parsePolicy({ rules: [{ severities: ["low"], kinds: ["Deployment"] }] })).toThrow(PolicyError);
    expect(() => parsePolicy({ rules: [{ severities: ["low"], kinds: ["Deployment"] }] })).toThrow(
      /rules\.0\.namespaces/,
    );
    expect(() => parsePolicy({ rules: [] })).toThrow(/rules/);
    expect(() => parsePolicy({ rules: [{ severities: ["urgent"], kinds: ["*"], namespaces: ["*"] }] })).toThrow(
      /severities/,
    );
    expect(() =>
      parsePolicy({ rules: [{ severities: ["low"], kinds: ["*"], namespaces: ["*"] }], backoff: { initial: "soon" } }),
    ).toThrow(/not a duration/);
  });
});

describe("AutoRemediator", () => {
  function harness(records: Record<string, DriftRecordView>, withPolicy = policy, snoozed = new Set<string>()) {
    let clock = 1_000_000;
    const timers: Array<{ at: number; fn: () => void }> = [];
    const calls: Array<{ id: string; req: ActionRequest }> = [];
    const remediator: Remediator = {
      mode: "auto",
      act: async (id, req) => {
        calls.push({ id, req });
        return { action: "revert", dryRun: false, recordId: id, outcome: "succeeded", message: "ok" };
      },
    };
    const auto = new AutoRemediator({
      policy: withPolicy,
      remediator,
      labelsOf: async () => ({}),
      current: async (id) => records[id],
      snoozed: async (id) => snoozed.has(id),
      now: () => clock,
      setTimer: (fn, ms) => {
        timers.push({ at: clock + ms, fn });
        return {};
      },
    });
    const event = (r: DriftRecordView, ev: DriftEvent["event"] = "opened") =>
      auto.onEvent({ event: ev, record: r as DriftRecord });
    const advance = async (ms: number) => {
      clock += ms;
      const due = timers.filter((x) => x.at <= clock);
      timers.splice(0, timers.length, ...timers.filter((x) => x.at > clock));
      for (const t of due) t.fn();
      await auto.idle();
    };
    return { auto, calls, event, advance };
  }

  it("reverts what the policy names, as the auto actor, and leaves the rest", async () => {
    const allowed = record({ id: "a" });
    const high = record({ id: "b", severity: "high", ref: { ...record().ref, name: "other" } });
    const h = harness({ a: allowed, b: high });
    h.event(allowed);
    h.event(high);
    await h.auto.idle();
    expect(h.calls).toEqual([{ id: "a", req: { action: "revert", dryRun: false, actor: AUTO_ACTOR } }]);
    expect(h.auto.stats.skippedByPolicy).toBe(1);
  });

  it("leaves a snoozed record alone even where the policy allows a revert", async () => {
    const allowed = record({ id: "a" });
    const h = harness({ a: allowed }, policy, new Set(["a"]));
    h.event(allowed);
    await h.auto.idle();
    expect(h.calls).toEqual([]);
    expect(h.auto.stats.skippedSnoozed).toBe(1);
  });

  it("backs off per resource when the drift comes back: 5s, then 15s, capped at the max", async () => {
    const r = record({ id: "a" });
    const h = harness({ a: r }, { ...policy, rateLimit: { reverts: 100, per: 60_000 } });
    h.event(r);
    await h.auto.idle();
    expect(h.calls).toHaveLength(1);
    h.event(r, "opened"); // the writer changed it again at once
    await h.auto.idle();
    expect(h.calls).toHaveLength(1);
    await h.advance(4_000);
    expect(h.calls).toHaveLength(1);
    await h.advance(1_000);
    expect(h.calls).toHaveLength(2);
    h.event(r);
    await h.advance(14_000);
    expect(h.calls).toHaveLength(2);
    await h.advance(1_000);
    expect(h.calls).toHaveLength(3);
    h.event(r);
    await h.advance(45_000 - 1);
    expect(h.calls).toHaveLength(3);
    await h.advance(1); // 5s × 3² = 45s
    expect(h.calls).toHaveLength(4);
    h.event(r);
    await h.advance(60_000); // capped at max (1m), not 135s
    expect(h.calls).toHaveLength(5);
  });

  it("keeps to the service-wide rate limit", async () => {
    const rs = Object.fromEntries(
      ["a", "b", "c"].map((id) => [id, record({ id, ref: { ...record().ref, name: id } })]),
    );
    const h = harness(rs);
    for (const r of Object.values(rs)) h.event(r);
    await h.auto.idle();
    expect(h.calls.map((c) => c.id)).toEqual(["a", "b"]);
    await h.advance(60_000);
    expect(h.calls.map((c) => c.id)).toEqual(["a", "b", "c"]);
  });

  it("does not act on a record resolved meanwhile", async () => {
    const r = record({ id: "a", status: "resolved" });
    const h = harness({ a: r });
    h.event(r, "updated");
    await h.auto.idle();
    expect(h.calls).toHaveLength(0);
  });
});
