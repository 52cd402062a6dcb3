// The service with DRIFT_CONFIG against the sandbox: the file's ignore and severity rules apply, an edited file
// applies at the next full detection without a restart, and a bad file refuses the start.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResourceResult } from "../../src/drift/types.js";
import { type RunningService, startService } from "../../src/service/service.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { webAndSettings } from "../helpers/manifests.js";
import { quietSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";

let ns: TestNamespace;
let dir: string;
let service: RunningService;
const quiet = quietSink() as never;

const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

async function resource(name: string): Promise<ResourceResult | undefined> {
  const body = (await (await fetch(`${service.address}/api/resources`)).json()) as { items: ResourceResult[] };
  return body.items.find((r) => r.ref.name === name);
}

const manifests = webAndSettings;

const settingsFor = (config: string) =>
  testRunSettings({ source: join(dir, "app"), dataDir: join(dir, "data"), analysis: "off" }, { DRIFT_CONFIG: config });

describe("drift-detector run with DRIFT_CONFIG", { timeout: 180_000 }, () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "svccfg");
    dir = mkdtempSync(join(tmpdir(), "svc-config-"));
    execFileSync("mkdir", ["-p", join(dir, "app")]);
    writeFileSync(join(dir, "app", "app.yaml"), manifests(ns.name));
    kubectl("apply", "--server-side", "-f", join(dir, "app", "app.yaml"));
    writeFileSync(
      join(dir, "config.yaml"),
      `ignore:
  - paths: [/spec/replicas]
    kinds: [Deployment]
    reason: scaled by hand on purpose
severity:
  - {kind: ConfigMap, path: /data, severity: critical}
`,
    );
    service = await startReadyService({ settings: settingsFor(join(dir, "config.yaml")) });
  });

  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies the file's ignore rule and severity rule", async () => {
    kubectl("scale", "deployment/web", "--replicas=4");
    kubectl("patch", "configmap/settings", "--type=merge", "-p", '{"data":{"mode":"slow"}}');
    const settings = await until("the ConfigMap drift", async () => {
      const r = await resource("settings");
      return r?.status === "Drifted" ? r : undefined;
    });
    expect(settings.severity).toBe("critical");
    const web = await until("the scale seen and ignored", async () => {
      const r = await resource("web");
      return r?.ignored.length ? r : undefined;
    });
    expect(web.status).toBe("InSync");
    expect(web.ignored).toEqual([{ path: "/spec/replicas", reason: "scaled by hand on purpose" }]);
  });

  it("an edited file applies at the next full detection, without a restart", async () => {
    writeFileSync(join(dir, "config.yaml"), "severity:\n  - {kind: ConfigMap, path: /data, severity: low}\n");
    // A desired-state change triggers a full detection (as the resync interval does).
    writeFileSync(join(dir, "app", "app.yaml"), `${manifests(ns.name)}\n# touched\n`);
    const web = await until("the scale reported as drift", async () => {
      const r = await resource("web");
      return r?.status === "Drifted" ? r : undefined;
    });
    expect(web.changes.map((c) => c.path)).toEqual(["/spec/replicas"]);
    expect((await resource("settings"))?.severity).toBe("low");
  });

  it("refuses to start with a bad file, naming it", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "severity:\n  - {path: /data, severity: urgent}\n");
    await expect(startService({ settings: settingsFor(bad), env: {}, logDestination: quiet })).rejects.toThrow(
      `configuration file ${bad}: at severity.0.severity`,
    );
  });
});
