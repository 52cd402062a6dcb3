// The service in client mode with a custom resource created by hand: the CRD's schema reaches the engine in full
// and in watch-driven detections (its defaults are no drift, a hand edit is), read once per full detection.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResourceResult } from "../../src/drift/types.js";
import { type RunningService, startService } from "../../src/service/service.js";
import { gadgetCrd } from "../helpers/crd.js";
import {
  createTestNamespace,
  kubectlWithInput as kubectl,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { quietSink, testRunSettings, until } from "../helpers/service-run.js";

let ns: TestNamespace;
let dir: string;
let group: string;
let service: RunningService;

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
    kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(gadgetCrd(group)));
    kubectl(["wait", "--for=condition=Established", `crd/gadgets.${group}`, "--timeout=30s"]);
    // Created by hand: kubectl-create owns the schema defaults (size, ports[].protocol) it was given back.
    kubectl(["create", "-f", "-"], gadget(ns.name));
    dir = mkdtempSync(join(tmpdir(), "svccr-"));
    writeFileSync(join(dir, "gadget.yaml"), gadget(ns.name));
    const settings = testRunSettings({
      source: dir,
      dataDir: join(dir, "data"),
      mode: "client",
      analysis: "off",
      sourcePoll: "1m",
    });
    service = await startService({ settings, env: {}, logDestination: quietSink() as never });
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
    kubectl(["patch", `gadgets.${group}`, "g1", "-n", ns.name, "--type=merge", "-p", '{"spec":{"color":"red"}}']);
    const r = await until("the drift", () => (gadgetResult()?.status === "Drifted" ? gadgetResult() : undefined));
    expect(r.changes.map((c) => [c.path, c.desired, c.live])).toEqual([["/spec/color", "blue", "red"]]);
    expect(service.detectors[0]?.crdSchemas.stats.fetches).toBe(1); // cached until the next full detection
  });
});
