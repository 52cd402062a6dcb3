// The dashboard's fleet page in a real browser (Debian chromium) against the service on the sandbox, the desired
// state in our hub over HTTP: a promotion chain fleet-qa → fleet-staging → fleet-prod cloned unit by unit, drawn as
// the environment matrix (in sync, drifted by severity, missing, behind its upstream); drift opened and resolved
// over time and the mean time to resolve by space, charted by uPlot from the stored history; and a drift that keeps
// coming back after each revert, which the record, the metrics and the page call a loop.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DriftRecord } from "../../src/detector/records.js";
import { applySpaceUnits } from "../../src/hub/apply.js";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { loadCluster } from "../../src/kube/cluster.js";
import type { RunningService } from "../../src/service/service.js";
import { CHROMIUM, openDashboardPage } from "../helpers/chromium.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { httpGet, startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

const SHOTS = join(process.cwd(), "test-results");
const ENVS = ["qa", "staging", "prod"] as const;
const kubeconfig = inject("kubeconfig");
const namespaces: Record<string, TestNamespace> = {};
let dir: string;
let service: RunningService;
let hubStore: TestStore;
let hubServer: RunningHub;
let hub: ConfigHubClient;
let browser: Browser;
let page: Page;

const until = untilWithin(20_000);
const space = (env: string) => `fleet-${env}`;

function manifests(env: string, level = "info"): string {
  const ns = namespaces[env]!.name;
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: web-settings, namespace: ${ns}}
data: {level: ${level}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: ${ns}}
`;
}

async function openRecords(env: string): Promise<DriftRecord[]> {
  const res = await fetch(`${service.address}/api/drifts?namespace=${namespaces[env]!.name}`);
  return ((await res.json()) as { items: DriftRecord[] }).items;
}

describe.skipIf(!existsSync(CHROMIUM))("dashboard fleet page in chromium", () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const env of ENVS) namespaces[env] = await createTestNamespace(loadKubeConfig(), `fleet-${env}`);
    dir = mkdtempSync(join(tmpdir(), "fleet-"));
    hubStore = await openTestStore("pglite");
    hubServer = await startHubServer({ db: hubStore.db, listen: "127.0.0.1:0", token: "hub-token-fleet" });
    hub = new ConfigHubClient({ url: hubServer.url, token: hubServer.token });
    // qa holds the unit; staging is cloned from qa, prod from staging, each with its own namespace.
    for (const env of ENVS) await hub.createSpace({ Slug: space(env), Labels: { fleet: "demo" } });
    await hub.createUnit(space("qa"), { Slug: "web", Data: manifests("qa") });
    await hub.cloneUnit(space("staging"), space("qa"), "web");
    await hub.putUnitData(space("staging"), "web", manifests("staging"));
    await hub.cloneUnit(space("prod"), space("staging"), "web");
    await hub.putUnitData(space("prod"), "web", manifests("prod"));
    const cluster = loadCluster({ kubeconfig });
    for (const env of ENVS) {
      const applied = await applySpaceUnits(hub, cluster, space(env), { namespace: namespaces[env]!.name });
      expect(applied.map((r) => r.error)).toEqual([null]);
    }
    await cluster.client.close();
    // A new revision in qa, not yet promoted: staging is behind its upstream (prod is not: staging did not move).
    await hub.putUnitData(space("qa"), "web", manifests("qa", "debug"));
    service = await startReadyService({
      settings: testRunSettings({ source: "hub:Labels.fleet = 'demo'", dataDir: join(dir, "data") }),
      env: { HUB_URL: hubServer.url, HUB_TOKEN: hubServer.token },
    });
    ({ browser, page } = await openDashboardPage(900));
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await hubServer?.close();
    await hubStore?.cleanup();
    for (const ns of Object.values(namespaces)) await ns.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a drift reverted again and again becomes a loop: on the record, in the metrics and on the page", async () => {
    const kubectl = (...args: string[]) => kubectlIn(namespaces.qa!.name, ...args);
    let last: DriftRecord | undefined;
    for (let round = 0; round < 4; round++) {
      kubectl("patch", "configmap/web-settings", "--type=merge", "-p", '{"data":{"level":"trace"}}');
      last = await until(`drift ${round + 1}`, async () => (await openRecords("qa")).find((r) => r.status === "open"));
      kubectl("patch", "configmap/web-settings", "--type=merge", "-p", '{"data":{"level":"info"}}'); // the revert
      await until(`resolution ${round + 1}`, async () => (await openRecords("qa")).length === 0);
    }
    // and once more: the fourth reopening, still a loop, left open
    kubectl("patch", "configmap/web-settings", "--type=merge", "-p", '{"data":{"level":"trace"}}');
    const looping = await until("the looping record", async () =>
      (await openRecords("qa")).find((r) => r.recurrence?.looping),
    );
    expect(looping.recurrence).toMatchObject({ reopened: 4, looping: true });
    expect(last?.recurrence?.reopened).toBe(3);
    const metrics = await httpGet(service.address, "/metrics");
    expect(metrics.text).toContain(
      `drift_detector_looping_drifts{namespace="${namespaces.qa!.name}",kind="ConfigMap"} 1`,
    );
    expect(metrics.text).toMatch(/^drift_detector_ready 1$/m);

    await page.goto(`${service.address}/#/drifts`);
    const row = page.locator("table.list tbody tr", { hasText: "web-settings" });
    await expect(row.locator(".tag-loop").textContent({ timeout: 15_000 })).resolves.toBe("loop ×4");
    await row.getByRole("link").click();
    await expect(page.locator(".callout-loop").textContent({ timeout: 15_000 })).resolves.toContain("Stuck drift loop");
  });

  it("draws the environment matrix, drift over time and the mean time to resolve", async () => {
    kubectlIn(namespaces.prod!.name, "patch", "configmap/web-settings", "--type=merge", "-p", '{"data":{"level":"x"}}');
    kubectlIn(namespaces.staging!.name, "delete", "serviceaccount/web");
    await until("the prod drift", async () => (await openRecords("prod")).length === 1);
    await until("the staging drift", async () => (await openRecords("staging")).length === 1);

    const envs = await httpGet(service.address, "/api/stats/environments");
    expect(envs.status).toBe(200);
    expect(envs.body.chains).toHaveLength(1);
    const [chain] = envs.body.chains;
    expect(chain).toMatchObject({ name: "fleet", spaces: [space("qa"), space("staging"), space("prod")] });
    const cells = chain.rows.find((r: { unit: string }) => r.unit === "web").cells;
    expect(cells[space("qa")]).toMatchObject({ state: "drifted", behind: null });
    expect(cells[space("staging")]).toMatchObject({
      state: "missing",
      severity: "critical",
      behind: { upstreamSpace: space("qa"), upstreamRevision: 2 },
    });
    expect(cells[space("prod")]).toMatchObject({ state: "drifted", behind: null });

    await page.goto(`${service.address}/#/fleet`);
    const matrix = page.locator('table.matrix[data-chain="fleet"]');
    await matrix.waitFor();
    await expect(matrix.locator("thead").textContent()).resolves.toMatch(
      /fleet-qa[\s\S]*fleet-staging[\s\S]*fleet-prod/,
    );
    const staging = matrix.locator("tbody tr td").nth(1);
    await expect(staging.getAttribute("data-state")).resolves.toBe("missing");
    await expect(staging.locator(".tag-behind").textContent()).resolves.toBe("behind fleet-qa");
    // uPlot draws into a canvas inside each chart; the counts are in the captions (qa: 5 opened, 4 resolved)
    await page.locator("#chart-opened canvas").waitFor();
    await page.locator("#chart-resolved canvas").waitFor();
    await page.locator("#chart-mttr canvas").waitFor();
    await expect(page.locator("#opened-caption").textContent()).resolves.toMatch(/Opened: 7 /);
    await expect(page.locator("#resolved-caption").textContent()).resolves.toMatch(/Resolved: 4 /);
    await expect(page.locator("table.mttr").textContent()).resolves.toMatch(/fleet-qa\s*4/);
    await page.screenshot({ path: join(SHOTS, "dashboard-fleet.png"), fullPage: true });

    await page.getByRole("button", { name: "Per day" }).click();
    await page.locator('[data-bucket="day"][aria-pressed="true"]').waitFor();
    await expect(page.locator("#opened-caption").textContent()).resolves.toContain("the last 30 days");
    await page.locator("#chart-opened canvas").waitFor();
  });
});
