// The service in client mode with a custom resource created by hand: the CRD's schema reaches the engine in full
// and in watch-driven detections (its defaults are no drift, a hand edit is), read once per full detection.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningService, startService } from "../../src/detector/service.js";
import { loadRunSettings } from "../../src/detector/settings.js";
import type { ResourceResult } from "../../src/drift/types.js";
import { createTestNamespace, kubectlPath, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";

const kubeconfig = inject("kubeconfig");
let ns: TestNamespace;
let dir: string;
let group: string;
let service: RunningService;

function kubectl(args: string[], stdin?: string): string {
  return execFileSync(kubectlPath(), ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", input: stdin });
}

async function until<T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const gadget = (namespace: string) =>
  JSON.stringify({
    apiVersion: `${group}/v1`,
    kind: "Gadget",
    metadata: { name: "g1", namespace },
    spec: { color: "blue", ports: [{ name: "http", port: 80 }] },
  });

function gadgetResult(): ResourceResult | undefined {
  return [...(service.detectors[0]?.results.values() ?? [])].find((r) => r.ref.kind === "Gadget");
}

describe("service, client mode, custom resources", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "svccr");
    group = `${ns.name}.service.example.com`;
    kubectl(
      ["apply", "--server-side", "-f", "-"],
      JSON.stringify({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `gadgets.${group}` },
        spec: {
          group,
          scope: "Namespaced",
          names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      properties: {
                        color: { type: "string" },
                        size: { type: "integer", default: 3 },
                        ports: {
                          type: "array",
                          "x-kubernetes-list-type": "map",
                          "x-kubernetes-list-map-keys": ["name"],
                          items: {
                            type: "object",
                            required: ["name"],
                            properties: {
                              name: { type: "string" },
                              port: { type: "integer" },
                              protocol: { type: "string", default: "TCP" },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      }),
    );
    kubectl(["wait", "--for=condition=Established", `crd/gadgets.${group}`, "--timeout=30s"]);
    // Created by hand: kubectl-create owns the schema defaults (size, ports[].protocol) it was given back.
    kubectl(["create", "-f", "-"], gadget(ns.name));
    dir = mkdtempSync(join(tmpdir(), "svccr-"));
    writeFileSync(join(dir, "gadget.yaml"), gadget(ns.name));
    const settings = loadRunSettings({
      env: {},
      flags: {
        source: dir,
        kubeconfig,
        mode: "client",
        analysis: "off",
        listen: "127.0.0.1:0",
        dataDir: join(dir, "data"),
        leaderElection: "false",
        interval: "10m",
        sourcePoll: "1m",
      },
    });
    const quiet = new Writable({ write: (_chunk, _enc, cb) => cb() });
    service = await startService({ settings, env: {}, logDestination: quiet as never });
    await until("the first full detection", () => (service.detectors[0]?.stats.full ? true : undefined), 60_000);
  });

  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    try {
      kubectl(["delete", "crd", `gadgets.${group}`, "--ignore-not-found", "--wait=false"]);
    } catch {
      // best effort: the sandbox is discarded after the run anyway
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("full detection: schema defaults owned by kubectl-create are no drift", () => {
    const r = gadgetResult();
    expect(r?.error).toBeUndefined();
    expect([r?.status, r?.changes.map((c) => c.path)]).toEqual(["InSync", []]);
    expect(service.detectors[0]?.crdSchemas.stats.fetches).toBe(1);
  });

  it("watch-driven detection: a hand edit of a declared field is the only change", async () => {
    kubectl(["patch", "gadget", "g1", "-n", ns.name, "--type=merge", "-p", '{"spec":{"color":"red"}}']);
    const r = await until("the drift", () => (gadgetResult()?.status === "Drifted" ? gadgetResult() : undefined));
    expect(r.changes.map((c) => [c.path, c.desired, c.live])).toEqual([["/spec/color", "blue", "red"]]);
    expect(service.detectors[0]?.crdSchemas.stats.fetches).toBe(1); // cached until the next full detection
  });
});
