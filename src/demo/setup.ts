// `npm run demo`: the whole system on this machine, step by step (sandbox, hub, global-app and the detector's own
// units, the detector service), then the story (story.ts). Everything lives under .demo/.
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ConfigHubClient } from "../hub/confighub/client.js";
import { PACKAGE_ROOT } from "../lib/package-root.js";
import { ensureControlPlane } from "../sandbox/build.js";
import { start as startSandbox } from "../sandbox/controlplane.js";
import { freePorts } from "../sandbox/ports.js";
import { applySpace } from "./apply.js";
import { loadExampleApp } from "./environments.js";
import { kubectl } from "./kubectl.js";
import type { DemoLayout } from "./layout.js";
import { loadApp, loadSelfUnits, SELF_DEV_SPACE, SELF_PROD_SPACE } from "./load.js";
import { randomPrefix } from "./prefix.js";
import type { Progress } from "./progress.js";
import { SELF_PROD_NAMESPACE } from "./self-promotion.js";
import { serviceRunning, startService } from "./services.js";
import { type DemoState, writeState } from "./state.js";
import { httpOk, waitUntil } from "./wait.js";

/** The checkout's root (deploy/, examples/ live there). */
export function repoRoot(): string {
  return PACKAGE_ROOT;
}

export const SETUP_STEPS = 6;

/** Label of the spaces the demo's detector watches (the applied ones: not base, not drift-detector-prod). */
export const WATCH_LABEL = "watched";

/**
 * Brings the whole system up under the demo folder: sandbox, embedded hub, global-app and the detector's own units
 * in the hub, applied to the sandbox, and the detector service. Each part is one progress step.
 */
export async function setUp(layout: DemoLayout, progress: Progress, env: NodeJS.ProcessEnv): Promise<DemoState> {
  // A fresh demo starts from empty data (the control-plane binaries are cached elsewhere, so this is cheap).
  await rm(layout.dir, { recursive: true, force: true });
  await Promise.all(
    [layout.logsDir, layout.runDir, layout.hubDataDir, layout.detectorDataDir].map((d) =>
      mkdir(d, { recursive: true }),
    ),
  );
  const root = repoRoot();
  const prefix = randomPrefix();

  // The hub needs no cluster: it starts (and loads its code) while the sandbox comes up.
  const [hubPort, detectorPort] = await freePorts(2);
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  const hubToken = randomBytes(24).toString("base64url");
  const hub = new ConfigHubClient({ url: hubUrl, token: hubToken });
  await startService(layout, "hub", ["hub", "serve", "--listen", `127.0.0.1:${hubPort}`, "--data", layout.hubDataDir], {
    ...env,
    HUB_TOKEN: hubToken,
    DATABASE_URL: "",
  });

  const sandbox = await progress.step(
    "Starting the sandbox: etcd, kube-apiserver, controller manager (the first run builds them)",
    async (detail) => {
      await ensureControlPlane({ log: detail, heartbeatMs: 2_000, env });
      return startSandbox(layout.sandboxDir, { log: detail, env });
    },
  );
  const kubeconfig = sandbox.kubeconfig;

  await progress.step(`Starting the embedded hub on ${hubUrl}`, async (detail) => {
    await waitUntil(
      "the hub to answer",
      async () => {
        if (!(await serviceRunning(layout, "hub"))) throw new Error(`the hub exited; see ${layout.logFile("hub")}`);
        return httpOk(`${hubUrl}/api/space`, hubToken);
      },
      { timeoutMs: 120_000, onWait: (e) => e && detail(e.includes("fetch failed") ? "starting" : e) },
    );
  });

  const app = await progress.step(
    `Loading global-app into spaces ${prefix}-base, -qa, -staging, -prod`,
    async (detail) => {
      const example = await loadExampleApp(join(root, "examples/global-app"));
      return loadApp(
        hub,
        prefix,
        { name: "global-app", ...example },
        { log: detail, envLabels: { [WATCH_LABEL]: "true" } },
      );
    },
  );

  await progress.step(
    `Loading the drift-detector's own units into ${SELF_DEV_SPACE} and ${SELF_PROD_SPACE}`,
    async () => {
      await loadSelfUnits(hub, join(root, "deploy"), {
        kubectl: sandbox.kubectl,
        devLabels: { [WATCH_LABEL]: "true" },
        prodNamespace: SELF_PROD_NAMESPACE,
      });
    },
  );

  const envSpaces = app.spaces.slice(1);
  await progress.step(`Applying ${envSpaces.join(", ")} and ${SELF_DEV_SPACE} to the sandbox`, async (detail) => {
    // The sandbox has no Prometheus Operator: the ServiceMonitor CRD stand-in lets the detector's monitoring unit apply.
    await kubectl(["apply", "--server-side", "-f", join(root, "deploy/sandbox/servicemonitor-crd.yaml")], {
      kubeconfig,
    });
    await kubectl(
      ["wait", "--for=condition=Established", "--timeout=60s", "crd/servicemonitors.monitoring.coreos.com"],
      { kubeconfig },
    );
    for (const space of envSpaces) {
      const r = await applySpace(hub, space, { kubeconfig, first: ["namespace"] });
      detail(`${space}: ${r.objects} objects`);
    }
    await applySpace(hub, SELF_DEV_SPACE, { kubeconfig, first: ["namespace"] });
  });

  const detectorUrl = `http://127.0.0.1:${detectorPort}`;
  const apiToken = randomBytes(24).toString("base64url");
  const state: DemoState = {
    prefix,
    kubeconfig,
    kubectl: sandbox.kubectl,
    hubUrl,
    hubToken,
    detectorUrl,
    apiToken,
    spaces: [...app.spaces, SELF_DEV_SPACE, SELF_PROD_SPACE],
    startedAt: new Date().toISOString(),
  };
  await writeState(layout, state);

  const analysis = env.CLAUDE_API_KEY || env.ANTHROPIC_API_KEY ? "claude" : "rules";
  await progress.step(`Starting the detector (analysis: ${analysis}) on ${detectorUrl}`, async (detail) => {
    await startService(layout, "detector", ["run"], {
      ...env,
      KUBECONFIG: kubeconfig,
      DRIFT_SOURCE: `hub:Labels.${WATCH_LABEL} = 'true'`,
      HUB_URL: hubUrl,
      HUB_TOKEN: hubToken,
      DRIFT_MODE: "server",
      DRIFT_ANALYSIS: analysis,
      DRIFT_INTERVAL: "1m",
      DRIFT_REMEDIATION: "suggest",
      DRIFT_DATA_DIR: layout.detectorDataDir,
      DRIFT_LISTEN: `127.0.0.1:${detectorPort}`,
      DRIFT_API_TOKEN: apiToken,
      DATABASE_URL: "",
    });
    await waitUntil(
      "the detector's first full detection (/readyz)",
      async () => {
        if (!(await serviceRunning(layout, "detector")))
          throw new Error(`the detector exited; see ${layout.logFile("detector")}`);
        return httpOk(`${detectorUrl}/readyz`);
      },
      {
        timeoutMs: 180_000,
        intervalMs: 1_000,
        onWait: (e) => e && detail(e.includes("fetch failed") ? "starting" : e),
      },
    );
  });
  return state;
}
