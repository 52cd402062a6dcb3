// The dashboard in a real browser (Debian chromium via playwright-core) against the service on the sandbox:
// a drift appears live in the list, the detail shows the diff and who did it, a dry-run preview then a revert
// resolves it, and the audit lists the action. Screenshots of every page go to test-results/ for review.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
import { startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

const TOKEN = "dashboard-test-token-0123456789";
const SHOTS = join(process.cwd(), "test-results");
const kubeconfig = inject("kubeconfig");
let ns: TestNamespace;
let dir: string;
let service: RunningService;
let hubStore: TestStore;
let hubServer: RunningHub;
let hub: ConfigHubClient;
let browser: Browser;
let page: Page;

const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

const until = untilWithin(20_000);

async function openRecords(): Promise<DriftRecord[]> {
  const res = await fetch(`${service.address}/api/drifts?namespace=${ns.name}`);
  return ((await res.json()) as { items: DriftRecord[] }).items;
}

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });

describe.skipIf(!existsSync(CHROMIUM))("dashboard in chromium", () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ns = await createTestNamespace(loadKubeConfig(), "dash");
    dir = mkdtempSync(join(tmpdir(), "dash-"));
    const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: ${ns.name}, labels: {app: checkout}}
spec:
  replicas: 2
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      containers:
        - name: checkout
          image: ghcr.io/example/checkout:2.4.1
          env: [{name: LOG_LEVEL, value: info}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: checkout-settings, namespace: ${ns.name}}
data: {mode: fast}
`;
    writeFileSync(join(dir, "app.yaml"), manifests);
    // The desired state lives in our hub (over HTTP), applied to the sandbox as `unit apply` does.
    hubStore = await openTestStore("pglite");
    hubServer = await startHubServer({ db: hubStore.db, listen: "127.0.0.1:0", token: "hub-token-dashboard" });
    hub = new ConfigHubClient({ url: hubServer.url, token: hubServer.token });
    await hub.createSpace({ Slug: "shop-qa" });
    await hub.createUnit("shop-qa", { Slug: "checkout", Data: manifests });
    const cluster = loadCluster({ kubeconfig });
    expect((await applySpaceUnits(hub, cluster, "shop-qa", { namespace: ns.name })).map((r) => r.error)).toEqual([
      null,
    ]);
    await cluster.client.close();
    service = await startReadyService({
      settings: testRunSettings({
        source: "hub:shop-qa",
        dataDir: join(dir, "data"),
        remediation: "suggest",
        apiToken: TOKEN,
      }),
      env: { HUB_URL: hubServer.url, HUB_TOKEN: hubServer.token },
    });
    ({ browser, page } = await openDashboardPage());
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await hubServer?.close();
    await hubStore?.cleanup();
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows a drift live, its diff and attribution, previews and reverts it, and audits the action", async () => {
    await page.goto(`${service.address}/#/drifts`);
    await page.getByText("Everything is in sync").waitFor();
    await page.locator('#live[data-state="live"]').waitFor();

    // A manual scale and a hand-set env var: the list updates without a reload.
    kubectl("scale", "deployment/checkout", "--replicas=5");
    const row = page.locator("table.list tbody tr", { hasText: `Deployment ${ns.name}/checkout` });
    await row.waitFor({ timeout: 15_000 });
    await expect(row.textContent()).resolves.toContain("kubectl");
    await shot("list");

    // Keyboard: the row's link is focusable and opens the detail.
    await row.getByRole("link").focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "What differs (1)" }).waitFor();
    const diff = page.locator("table.diff-split");
    await expect(diff.textContent()).resolves.toMatch(/spec\.replicas[\s\S]*2[\s\S]*5/);
    await expect(page.locator(".attribution").textContent()).resolves.toContain("kubectl");
    await expect(page.locator(".attribution").textContent()).resolves.toContain("Update scale");
    await shot("detail");
    await page.getByRole("button", { name: "Unified" }).click();
    await page.locator(".diff-unified").waitFor();
    await expect(page.locator(".diff-unified").textContent()).resolves.toMatch(/- 2[\s\S]*\+ 5/);
    await page.getByRole("button", { name: "Side by side" }).click();

    // Revert: the token is asked once, the dry-run shows exactly spec.replicas 5 → 2, then confirm.
    await page.getByRole("button", { name: "Revert cluster…" }).click();
    await page.getByRole("button", { name: "Preview (dry-run)" }).click();
    await page.getByLabel("API token").fill(TOKEN);
    await page.getByRole("button", { name: "Save" }).click();
    const preview = page.locator("#action-preview table");
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toMatch(/\/spec\/replicas[\s\S]*5[\s\S]*2/);
    expect((await openRecords()).find((r) => r.ref.name === "checkout")?.status).toBe("open"); // dry-run changed nothing
    await shot("revert-preview");
    await page.getByRole("button", { name: "Revert now" }).click();
    await page.locator(".status-resolved").waitFor({ timeout: 15_000 });
    await expect(page.locator("#toast").textContent()).resolves.toContain("resolved");
    expect(kubectl("get", "deployment/checkout", "-o", "jsonpath={.spec.replicas}")).toBe("2");
    const audit = page.locator("table.audit");
    await expect(audit.textContent()).resolves.toContain("api-token"); // the token's identity, not a typed name
    await expect(audit.textContent()).resolves.toContain("succeeded");
    await shot("detail-resolved");

    // Accept a hand-set env var into the hub: the token is kept for the session, nothing is asked again.
    kubectl("set", "env", "deployment/checkout", "LOG_LEVEL=debug");
    await page.goto(`${service.address}/#/drifts`);
    const second = page.locator("table.list tbody tr", { hasText: "checkout" });
    await second.waitFor({ timeout: 15_000 });
    await second.getByRole("link").click();
    await page.getByRole("heading", { name: "What differs (1)" }).waitFor();
    await page.getByRole("button", { name: "Accept live into hub…" }).click();
    await page.getByRole("button", { name: "Preview (dry-run)" }).click();
    const patch = page.locator("#action-preview pre.patch");
    await patch.waitFor();
    expect(await page.locator("#token-dialog").evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
    await expect(patch.textContent()).resolves.toMatch(/\n-.*value: info[\s\S]*\n\+.*value: debug/);
    await expect(page.locator("#action-preview").textContent()).resolves.toContain("revision 2");
    await shot("accept-preview");
    await page.getByRole("button", { name: "Write the new revision" }).click();
    await page.locator(".status-resolved").waitFor({ timeout: 20_000 });
    await expect(page.locator("#toast").textContent()).resolves.toContain("revision 2");
    const data = await hub.getUnitData("shop-qa", "checkout");
    expect(data).toContain("env: [{name: LOG_LEVEL, value: debug}]"); // the document's own flow style is kept
    expect(data).toContain("metadata: {name: checkout-settings"); // the other document keeps its bytes
  });

  it("escapes live values, and offers ignore with a preview", async () => {
    const evil = `<img src=x onerror="document.title='pwned'">`;
    kubectl("annotate", "configmap/checkout-settings", `note=${evil}`);
    const record = await until("the annotation drift", async () =>
      (await openRecords()).find((r) => r.ref.name === "checkout-settings"),
    );
    await page.goto(`${service.address}/#/drifts/${record.id}`);
    // A hash navigation re-renders asynchronously: the previous drift's table may still be on the page.
    await expect.poll(() => page.locator("table.diff-split").textContent(), { timeout: 20_000 }).toContain(evil);
    expect(await page.locator("table.diff-split img").count()).toBe(0);
    expect(await page.title()).toBe("drift-detector");

    await page.getByRole("button", { name: "Ignore…" }).click();
    await page.getByLabel("Snooze duration").selectOption("4h");
    await page.getByRole("button", { name: "Preview (dry-run)" }).click();
    await page.locator("#action-preview").getByText("would snooze").waitFor();
    await shot("ignore-preview");
    await page.getByRole("button", { name: "Cancel" }).click();

    await page.goto(`${service.address}/#/`);
    await page.getByRole("heading", { name: "Recent events" }).waitFor();
    await expect(page.locator(".tiles").textContent()).resolves.toContain("open drifts");
    await expect(page.locator(".events").textContent()).resolves.toContain("checkout");
    await shot("overview");

    await page.goto(`${service.address}/#/audit`);
    await page.getByRole("heading", { name: "Audit" }).waitFor();
    await expect(page.locator("table.audit").textContent()).resolves.toContain("revert");
    await shot("audit");
  });
});
