import { describe, expect, it } from "vitest";
import { isBroken, parseScenario } from "../../../src/scenarios/format.js";
import {
  isConflict,
  type KubectlRun,
  runKubectlRetryingConflicts,
  splitWords,
} from "../../../src/scenarios/kubectl.js";
import { KeyedLocks } from "../../../src/scenarios/locks.js";
import { globMatch, matchExpectations } from "../../../src/scenarios/match.js";
import { aChange, aResult } from "../../helpers/builders.js";

const change = aChange;
const result = aResult;

describe("matchExpectations", () => {
  it("passes an exact match", () => {
    const expect_ = [
      {
        ref: "Deployment/backend",
        status: "Drifted" as const,
        severity: "medium" as const,
        changes: [{ path: "/spec/replicas", type: "changed" as const, desired: 2, live: 5, by: "kubectl*" }],
      },
    ];
    expect(matchExpectations(expect_, [result({})], "")).toEqual([]);
  });

  it("requires unlisted objects to be InSync and reports Error results", () => {
    const problems = matchExpectations(
      [],
      [result({}), result({ ref: { apiVersion: "v1", kind: "ConfigMap", name: "c" }, status: "Error", error: "boom" })],
      "",
    );
    expect(problems).toEqual([
      "Deployment/backend: expected InSync, got Drifted (changed /spec/replicas 2 -> 5 by kubectl-scale)",
      "ConfigMap/c: Error: boom",
    ]);
  });

  it("treats the change list as complete in both directions", () => {
    const r = result({ changes: [change({}), change({ path: "/metadata/labels/team", type: "added", live: "x" })] });
    const problems = matchExpectations(
      [
        {
          ref: "Deployment/backend",
          status: "Drifted",
          changes: [{ path: "/spec/replicas" }, { pathPrefix: "/spec/template" }],
        },
      ],
      [r],
      "",
    );
    expect(problems).toEqual([
      'Deployment/backend: unexpected change added /metadata/labels/team +"x" by kubectl-scale',
      "Deployment/backend: missing change at /spec/template…",
    ]);
  });

  it("matches path prefixes by whole segments, values, types and `by` globs including none", () => {
    const env = change({ path: "/spec/env/1", type: "added", live: { name: "A" }, by: null });
    const r = result({ changes: [env] });
    const ok = (c: object) =>
      matchExpectations([{ ref: "Deployment/backend", status: "Drifted", changes: [c] }], [r], "");
    expect(ok({ pathPrefix: "/spec/env", by: "none", live: { name: "A" } })).toEqual([]);
    expect(ok({ pathPrefix: "/spec/en" })).toHaveLength(2);
    expect(ok({ pathPrefix: "/spec/env", by: "kubectl*" })).toContainEqual(expect.stringMatching(/does not match/));
    expect(ok({ pathPrefix: "/spec/env", type: "changed" })).toContainEqual(expect.stringMatching(/does not match/));
  });

  it("checks every change under a prefix, not just one", () => {
    const r = result({
      changes: [
        change({ path: "/spec/env/1", type: "added", live: "a" }),
        change({ path: "/spec/env/2", type: "changed", live: "b" }),
      ],
    });
    const problems = matchExpectations(
      [{ ref: "Deployment/backend", status: "Drifted", changes: [{ pathPrefix: "/spec/env", type: "added" }] }],
      [r],
      "",
    );
    expect(problems).toEqual([
      'Deployment/backend: change changed /spec/env/2 2 -> "b" by kubectl-scale does not match /spec/env…, type added',
    ]);
  });

  it("checks status, severity, ignored paths and masked strings", () => {
    const r = result({
      status: "InSync",
      severity: null,
      changes: [],
      ignored: [{ path: "/spec/replicas", reason: "x" }],
    });
    expect(
      matchExpectations([{ ref: "Deployment/backend", status: "InSync", ignored: ["/spec/replicas"] }], [r], "{}"),
    ).toEqual([]);
    const problems = matchExpectations(
      [
        {
          ref: "Deployment/backend",
          status: "Drifted",
          severity: "high",
          ignored: ["/spec/x"],
          masked: ["s3cret-value"],
        },
      ],
      [r],
      'live: "s3cret-value"',
    );
    expect(problems).toEqual([
      "Deployment/backend: expected Drifted, got InSync",
      "Deployment/backend: expected severity high, got null",
      "Deployment/backend: expected /spec/x among ignored, got [/spec/replicas]",
      'Deployment/backend: masked value "s3…e" appears in the output',
    ]);
  });

  it("reports expectations for objects desired does not declare", () => {
    expect(matchExpectations([{ ref: "Service/x", status: "InSync" }], [], "")).toEqual([
      "expect names Service/x, which desired does not declare",
    ]);
  });
});

describe("globMatch", () => {
  it("supports * and ? and nothing else", () => {
    expect(globMatch("kubectl*", "kubectl-edit")).toBe(true);
    expect(globMatch("kubectl*", "kubectl")).toBe(true);
    expect(globMatch("kubectl*", "helm")).toBe(false);
    expect(globMatch("hotfix-bot", "hotfix-bot")).toBe(true);
    expect(globMatch("a.b", "axb")).toBe(false);
    expect(globMatch("bo?", "bot")).toBe(true);
  });
});

describe("splitWords", () => {
  it("splits like a POSIX shell", () => {
    expect(splitWords(`patch configmap settings --type=merge -p '{"data":{"LOG_LEVEL":"debug"}}'`)).toEqual([
      "patch",
      "configmap",
      "settings",
      "--type=merge",
      "-p",
      '{"data":{"LOG_LEVEL":"debug"}}',
    ]);
    expect(splitWords(`a "b \\"c\\" d" e\\ f ''`)).toEqual(["a", 'b "c" d', "e f", ""]);
    expect(() => splitWords("a 'b")).toThrow(/unclosed '/);
  });
});

describe("kubectl steps and Conflicts", () => {
  // kubectl's own words for a lost race (replace, edit) and for failures that must not be retried.
  const conflict: KubectlRun = {
    code: 1,
    stdout: "",
    stderr:
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again\n',
  };
  const notFound: KubectlRun = {
    code: 1,
    stdout: "",
    stderr: 'Error from server (NotFound): deployments.apps "x" not found\n',
  };
  const exists: KubectlRun = {
    code: 1,
    stdout: "",
    stderr: 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "settings" already exists\n',
  };
  const ok: KubectlRun = { code: 0, stdout: "replaced\n", stderr: "" };

  it("recognizes a Conflict and nothing else", () => {
    expect(isConflict(conflict)).toBe(true);
    expect(
      isConflict({
        code: 1,
        stdout: "",
        stderr:
          'error: deployments.apps "web" could not be patched: the object has been modified; please apply your changes',
      }),
    ).toBe(true);
    expect(isConflict(notFound)).toBe(false);
    expect(isConflict(exists)).toBe(false);
    expect(isConflict({ ...ok, stderr: "Warning: (Conflict) in a message" })).toBe(false); // succeeded
  });

  const scripted = (answers: KubectlRun[]) => {
    const calls: string[][] = [];
    const run = async (args: string[]) => {
      calls.push(args);
      return answers[Math.min(calls.length - 1, answers.length - 1)]!;
    };
    return { calls, run };
  };
  const opts = { kubectl: "kubectl", kubeconfig: "k" };
  const retry = { attempts: 3, pauseMs: 1 };

  it("runs a step again after a Conflict until it succeeds", async () => {
    const { calls, run } = scripted([conflict, conflict, ok]);
    const r = await runKubectlRetryingConflicts(["replace", "-f", "-"], opts, retry, run);
    expect([r.code, r.attempts, calls.length]).toEqual([0, 3, 3]);
    expect(calls.every((c) => c.join(" ") === "replace -f -")).toBe(true);
  });

  it("keeps real failures failing at once, and a Conflict on every attempt failing", async () => {
    const first = scripted([notFound, ok]);
    const r1 = await runKubectlRetryingConflicts(["get", "x"], opts, retry, first.run);
    expect([r1.code, r1.attempts, r1.stderr]).toEqual([1, 1, notFound.stderr]);
    const always = scripted([conflict]);
    const r2 = await runKubectlRetryingConflicts(["replace", "-f", "-"], opts, retry, always.run);
    expect([r2.code, r2.attempts, always.calls.length]).toEqual([1, 3, 3]);
    expect(r2.stderr).toContain("(Conflict)");
  });
});

describe("parseScenario", () => {
  it("applies defaults and accepts env and sleep steps", () => {
    const s = parseScenario(
      "name: x\ndesired: |\n  a: b\nsteps:\n  - kubectl: edit cm a\n    env: {KUBE_EDITOR: ./ed.sh, N: 1}\n  - sleep: 1\n",
      "x.yaml",
    );
    if (isBroken(s)) throw new Error(s.error);
    expect(s.appliedBy).toBe("confighub");
    expect(s.modes).toEqual(["server", "client"]);
    expect(s.expect).toEqual([]);
    expect(s.steps[0]!.env).toEqual({ KUBE_EDITOR: "./ed.sh", N: "1" });
  });

  it("names the file's problem in one line", () => {
    const s = parseScenario("name: x\ndesired: a\nexpect:\n  - ref: Deployment/b\n    status: Broken\n", "x.yaml");
    expect(isBroken(s) && s.error).toMatch(/^expect\.0\.status: /);
    const t = parseScenario(
      "name: x\ndesired: a\nexpect:\n  - ref: D/b\n    status: Drifted\n    changes: [{type: added}]\n",
      "x.yaml",
    );
    expect(isBroken(t) && t.error).toMatch(/exactly one of path and pathPrefix/);
  });
});

describe("KeyedLocks", () => {
  it("serializes runs sharing a key and lets others run at once", async () => {
    const locks = new KeyedLocks();
    const log: string[] = [];
    const run = (name: string, keys: string[], ms: number) =>
      locks.with(keys, async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}-`);
      });
    await Promise.all([run("a", ["k"], 30), run("b", ["k", "j"], 5), run("c", ["x"], 5)]);
    expect(log.indexOf("b+")).toBeGreaterThan(log.indexOf("a-"));
    expect(log.indexOf("c-")).toBeLessThan(log.indexOf("a-"));
  });
});
