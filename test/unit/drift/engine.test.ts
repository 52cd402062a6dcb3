import { describe, expect, it } from "vitest";
import { summarize } from "../../../src/drift/engine.js";
import type { Change, KubeObject } from "../../../src/drift/types.js";
import { clone, fixtureNames, loadFixture, MODES, run } from "./fixtures.js";

// Objects put in place three ways and left alone: server-side apply, `kubectl create` (its manager then owns every
// defaulted field), client-side `kubectl apply`. Nothing is drift, in either mode.
const untouched = [...fixtureNames("ssa"), ...fixtureNames("created"), ...fixtureNames("csa")];

describe("untouched objects are in sync", () => {
  it("covers every kind captured", () => {
    expect(untouched.length).toBeGreaterThanOrEqual(57);
  });
  for (const mode of MODES) {
    it.each(untouched)(`%s [${mode}]`, (name) => {
      const r = run(loadFixture(name), mode);
      expect(r.changes).toEqual([]);
      expect(r.status).toBe("InSync");
      expect(r.severity).toBeNull();
    });
  }
});

interface Expected {
  path: string;
  type: Change["type"];
  manager: string | null;
  severity: Change["severity"];
  desired?: unknown;
  live?: unknown;
}

const IMAGE = "ghcr.io/confighubai/cubbychat/backend";
const stories: Record<string, Expected[]> = {
  scaled: [{ path: "/spec/replicas", type: "changed", manager: "kubectl", severity: "medium", desired: 2, live: 5 }],
  "set-image": [
    {
      path: "/spec/template/spec/containers/0/image",
      type: "changed",
      manager: "kubectl-set",
      severity: "high",
      desired: `${IMAGE}:1.1.1`,
      live: `${IMAGE}:1.1.2-hotfix`,
    },
  ],
  "env-added": [
    {
      path: "/spec/template/spec/containers/0/env/2",
      type: "added",
      manager: "kubectl-set",
      severity: "medium",
      live: { name: "DEBUG", value: "true" },
    },
  ],
  "env-changed": [
    {
      path: "/spec/template/spec/containers/0/env/0/value",
      type: "changed",
      manager: "kubectl-set",
      severity: "medium",
      desired: "postgres://chat@postgres:5432/chat",
      live: "postgres://chat@replica:5432/chat",
    },
  ],
  "edit-limits-removed": [
    { path: "/spec/template/spec/containers/0/resources/limits", type: "removed", manager: null, severity: "medium" },
  ],
  labelled: [
    { path: "/metadata/labels/team", type: "added", manager: "kubectl-label", severity: "low", live: "payments" },
  ],
  privileged: [
    {
      path: "/spec/template/spec/containers/0/securityContext/privileged",
      type: "added",
      manager: "kubectl-patch",
      severity: "critical",
      live: true,
    },
  ],
  "hotfix-bot": [
    {
      path: "/spec/template/spec/containers/0/image",
      type: "changed",
      manager: "hotfix-bot",
      severity: "high",
      live: `${IMAGE}:1.1.3-rc1`,
    },
  ],
  replaced: [
    {
      path: "/spec/template/spec/initContainers/0/image",
      type: "changed",
      manager: "kubectl-replace",
      severity: "high",
    },
    { path: "/spec/template/spec/containers/0/image", type: "changed", manager: "kubectl-replace", severity: "high" },
  ],
  "controller-annotation": [],
  "role-widened": [
    {
      path: "/rules/0/verbs",
      type: "changed",
      manager: "kubectl-patch",
      severity: "critical",
      desired: ["get", "list", "watch"],
      live: ["get", "list", "watch", "delete"],
    },
  ],
  "service-target-port": [
    {
      path: "/spec/ports/0/targetPort",
      type: "changed",
      manager: "kubectl-patch",
      severity: "high",
      desired: 8080,
      live: 9090,
    },
  ],
  "configmap-edited": [
    {
      path: "/data/LOG_LEVEL",
      type: "changed",
      manager: "kubectl-patch",
      severity: "medium",
      desired: "info",
      live: "debug",
    },
  ],
  "secret-rotated": [{ path: "/data/PASSWORD", type: "changed", manager: "kubectl-patch", severity: "high" }],
};

describe("stories captured from the sandbox", () => {
  for (const mode of MODES) {
    for (const [story, expected] of Object.entries(stories)) {
      it(`${story} [${mode}]`, () => {
        const r = run(loadFixture(`story/${story}`), mode);
        expect(r.status).toBe(expected.length > 0 ? "Drifted" : "InSync");
        expect(
          r.changes.map((c) => ({ path: c.path, type: c.type, manager: c.by?.manager ?? null, severity: c.severity })),
        ).toEqual(expected.map(({ path, type, manager, severity }) => ({ path, type, manager, severity })));
        for (const [i, e] of expected.entries()) {
          if ("desired" in e) expect(r.changes[i].desired).toEqual(e.desired);
          if ("live" in e) expect(r.changes[i].live).toEqual(e.live);
        }
        const worst = expected.map((e) => e.severity).sort((a, b) => rank(a) - rank(b))[0] ?? null;
        expect(r.severity).toBe(worst);
      });
    }
  }

  it("names the operation, subresource and time of the owning entry", () => {
    const [ch] = run(loadFixture("story/scaled"), "client").changes;
    // The apiserver records no time for updates through the scale subresource.
    expect(ch.by).toEqual({ manager: "kubectl", operation: "Update", subresource: "scale", time: null });
    expect(ch.field).toBe("spec.replicas");
    const [image] = run(loadFixture("story/set-image"), "client").changes;
    expect(image.by).toMatchObject({ manager: "kubectl-set", operation: "Update", subresource: "" });
    expect(image.by?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("gives the human field with merge keys", () => {
    const [ch] = run(loadFixture("story/env-changed"), "client").changes;
    expect(ch.field).toBe("spec.template.spec.containers[name=backend].env[name=DATABASE_URL].value");
    const [role] = run(loadFixture("story/role-widened"), "client").changes;
    expect(role.field).toBe("rules[0].verbs");
  });

  it("server mode reports declared values as the server stores them", () => {
    const [client] = run(loadFixture("story/edit-limits-removed"), "client").changes;
    const [server] = run(loadFixture("story/edit-limits-removed"), "server").changes;
    expect(client.desired).toEqual({ cpu: "1000m", memory: "1024Mi" });
    expect(server.desired).toEqual({ cpu: "1", memory: "1Gi" });
  });

  it("lists a rollout restart as ignored, not drift", () => {
    for (const mode of MODES) {
      const r = run(loadFixture("story/rollout-restart"), mode);
      expect(r.status).toBe("InSync");
      expect(r.ignored).toEqual([
        {
          path: "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt",
          reason: "restart marker written by kubectl rollout restart",
        },
      ]);
    }
  });
});

describe("autoscaled replicas", () => {
  // The HPA was captured in another namespace; an HPA only counts in the workload's own.
  const hpa = loadFixture("ssa/horizontalpodautoscaler-backend").live;
  hpa.metadata.namespace = loadFixture("story/hpa-scaled").live.metadata.namespace;
  it.each(MODES)("are ignored when an HPA targets the workload [%s]", (mode) => {
    const r = run(loadFixture("story/hpa-scaled"), mode, {}, { hpas: [hpa] });
    expect(r.status).toBe("InSync");
    expect(r.changes).toEqual([]);
    expect(r.ignored).toEqual([{ path: "/spec/replicas", reason: "autoscaled by HorizontalPodAutoscaler/backend" }]);
  });

  it("are drift when the HPA is in another namespace", () => {
    const elsewhere = clone(hpa);
    elsewhere.metadata.namespace = "elsewhere";
    expect(run(loadFixture("story/hpa-scaled"), "client", {}, { hpas: [elsewhere] }).status).toBe("Drifted");
  });

  it("are drift when the HPA targets another workload", () => {
    const other = clone(hpa);
    (other.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name = "frontend";
    const r = run(loadFixture("story/hpa-scaled"), "client", {}, { hpas: [other] });
    expect(r.changes.map((c) => c.path)).toEqual(["/spec/replicas"]);
    expect(r.changes[0].by?.manager).toBe("kube-controller-manager");
  });
});

describe("live-only fields", () => {
  it("a defaulted field changed by the manager that created the object by hand is drift", () => {
    const fx = loadFixture("created/deployment-backend");
    (fx.live.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds = 900;
    for (const mode of MODES) {
      const r = run(fx, mode);
      expect(r.changes).toMatchObject([
        { path: "/spec/progressDeadlineSeconds", type: "added", live: 900, by: { manager: "kubectl-create" } },
      ]);
    }
  });

  it("the same value written by a client-side apply is not (its applier is declarative)", () => {
    const fx = loadFixture("csa/deployment-backend");
    (fx.live.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds = 900;
    expect(run(fx, "client").status).toBe("InSync");
  });

  it("imperative managers are configurable", () => {
    const fx = loadFixture("csa/deployment-backend");
    (fx.live.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds = 900;
    const r = run(fx, "client", { imperativeManagers: ["kubectl*"] });
    expect(r.changes.map((c) => c.by?.manager)).toEqual(["kubectl-client-side-apply"]);
    const none = run(loadFixture("story/labelled"), "client", { imperativeManagers: ["nobody"] });
    expect(none.status).toBe("InSync");
  });

  it("a Pod's requests default to its limits, resource by resource", () => {
    const fx = loadFixture("created/pod-debug");
    const res = (fx.live.spec as { containers: Array<{ resources: { requests: Record<string, string> } }> })
      .containers[0].resources;
    expect(res.requests).toEqual({ cpu: "100m", memory: "64Mi" }); // memory copied from the limit by the server
    expect(run(fx, "client").status).toBe("InSync");
    res.requests.memory = "32Mi";
    expect(run(fx, "client").changes).toMatchObject([
      { path: "/spec/containers/0/resources/requests/memory", type: "added", live: "32Mi" },
    ]);
  });

  it("an imagePullPolicy default follows the image tag", () => {
    const fx = loadFixture("created/deployment-backend");
    const sidecar = podSpec(fx.live).containers[1] as { image: string; imagePullPolicy: string };
    expect(sidecar).toMatchObject({ image: "busybox", imagePullPolicy: "Always" });
    expect(run(fx, "client").status).toBe("InSync");
    sidecar.imagePullPolicy = "IfNotPresent";
    expect(run(fx, "client").changes.map((c) => c.field)).toEqual([
      "spec.template.spec.containers[name=sidecar].imagePullPolicy",
    ]);
  });
});

describe("declared fields", () => {
  it("any difference is drift, whoever wrote it (here our own applier)", () => {
    const fx = loadFixture("ssa/deployment-backend");
    podSpec(fx.live).containers[0].image = "elsewhere:1";
    const [ch] = run(fx, "client").changes;
    expect(ch).toMatchObject({
      type: "changed",
      live: "elsewhere:1",
      by: { manager: "confighub", operation: "Apply" },
    });
  });

  it("quantities in another notation are equal", () => {
    const fx = loadFixture("ssa/deployment-backend");
    const res = podSpec(fx.live).containers[0].resources as { requests: Record<string, string> };
    expect(res.requests.cpu).toBe("500m");
    res.requests.cpu = "0.5";
    expect(run(fx, "client").status).toBe("InSync");
    res.requests.cpu = "600m";
    expect(run(fx, "client").changes).toMatchObject([
      { path: "/spec/template/spec/containers/0/resources/requests/cpu", desired: "0.5" },
    ]);
  });

  it("a second container drifting reports its own index and name", () => {
    const fx = loadFixture("ssa/deployment-backend");
    podSpec(fx.live).containers[1].args = ["sleep", "60"];
    const [ch] = run(fx, "client").changes;
    expect(ch).toMatchObject({
      path: "/spec/template/spec/containers/1/args/1",
      field: "spec.template.spec.containers[name=sidecar].args[1]",
      desired: "3600",
      live: "60",
      severity: "high",
    });
  });

  it("a removed list item uses the desired index and names no one", () => {
    const fx = loadFixture("ssa/deployment-backend");
    const c = podSpec(fx.live).containers[0] as { env: unknown[] };
    c.env = c.env.slice(1);
    const [ch] = run(fx, "client").changes;
    expect(ch).toMatchObject({ path: "/spec/template/spec/containers/0/env/0", type: "removed", by: null });
    expect(ch.field).toBe("spec.template.spec.containers[name=backend].env[name=DATABASE_URL]");
  });
});

describe("a missing object", () => {
  it.each(MODES)("is critical [%s]", (mode) => {
    const fx = loadFixture("ssa/configmap-settings");
    const r = run({ ...fx, live: undefined as unknown as KubeObject }, mode);
    expect(r).toMatchObject({ status: "Missing", severity: "critical", changes: [], ignored: [] });
  });
});

describe("summarize", () => {
  it("counts each status", () => {
    const results = [
      run(loadFixture("ssa/configmap-settings"), "client"),
      run(loadFixture("story/scaled"), "client"),
      run({ ...loadFixture("ssa/configmap-settings"), live: undefined as unknown as KubeObject }, "client"),
    ];
    const report = summarize(results, "client");
    expect(report).toMatchObject({
      apiVersion: "drift-detector/v1",
      mode: "client",
      summary: { resources: 3, inSync: 1, drifted: 1, missing: 1, errors: 0 },
    });
    expect(report.resources).toBe(results);
  });
});

function podSpec(o: KubeObject): { containers: Array<Record<string, unknown>> } {
  return (o.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec;
}

function rank(s: Change["severity"]): number {
  return { critical: 0, high: 1, medium: 2, low: 3 }[s];
}
