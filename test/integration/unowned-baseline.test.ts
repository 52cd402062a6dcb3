// A write the cluster records no owner for, to a field desired does not declare and no default describes: `kubectl
// scale` of a custom resource through its /scale subresource. The service sees it against the object's last
// observation (its baseline), keeps seeing it after a restart (the baseline is in the store), and resolves it
// when the value comes back.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectKey } from "../../src/kube/liveview.js";
import type { RunningService } from "../../src/service/service.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { startReadyService, testRunSettings, until } from "../helpers/service-run.js";

const group = `bl${randomBytes(3).toString("hex")}.example.com`;
const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  names: {plural: widgets, singular: widget, kind: Widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: string}
                replicas: {type: integer}
`;

describe("an unowned hand change with no default to compare with", () => {
  let ns: TestNamespace;
  let service: RunningService | undefined;
  const dir = mkdtempSync(join(tmpdir(), "baseline-"));
  const widget = () =>
    `apiVersion: ${group}/v1\nkind: Widget\nmetadata: {name: w, namespace: ${ns.name}}\nspec: {size: m}\n`;
  const start = () =>
    startReadyService({
      settings: testRunSettings({ source: join(dir, "desired"), dataDir: join(dir, "data"), analysis: "off" }),
    });
  const key = () => objectKey({ apiVersion: `${group}/v1`, kind: "Widget", namespace: ns.name, name: "w" });
  const scale = (n: number) => kubectlIn(ns.name, "scale", `widgets.${group}/w`, `--replicas=${n}`);

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "baseline");
    kubectlWithInput(["apply", "--server-side", "-f", "-"], crd);
    kubectlWithInput(["wait", "--for=condition=Established", `crd/widgets.${group}`, "--timeout=60s"]);
    mkdirSync(join(dir, "desired"));
    writeFileSync(join(dir, "desired", "widget.yaml"), widget());
    kubectlWithInput(["apply", "--server-side", "--field-manager=confighub", "-f", "-"], widget());
    service = await start();
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    kubectlWithInput(["delete", "crd", `widgets.${group}`, "--ignore-not-found", "--wait=false"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("is drift, stays drift across a restart, and resolves when scaled back", async () => {
    expect(service?.trackers[0].openRecord(key())).toBeUndefined();
    scale(3);
    const record = await until("the scale seen", () => service?.trackers[0].openRecord(key()));
    expect(record.changes).toMatchObject([{ path: "/spec/replicas", type: "added", live: 3, by: null }]);

    await service?.stop();
    service = await start();
    // The first full detection after the restart compares with the stored baseline: the record stays open.
    await until("the first detection after the restart", async () => (await fetch(`${service?.address}/readyz`)).ok);
    expect(service.trackers[0].openRecord(key())?.id).toBe(record.id);

    kubectlIn(ns.name, "patch", `widgets.${group}/w`, "--type=json", "-p", '[{"op":"remove","path":"/spec/replicas"}]');
    await until("resolved", () => !service?.trackers[0].openRecord(key()));
  }, 180_000);
});
