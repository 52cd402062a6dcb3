// The dashboard's sign-in off loopback, in a real browser (Debian chromium via playwright-core): the service listens
// on every address, so every read needs a token. The page asks for one on its first 401, forgets a token the
// apiserver does not accept and asks again, and with a viewer's service-account token (checked by TokenReview and
// SubjectAccessReview on the sandbox) names the person, lists the drift and follows it live over the SSE stream.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service/service.js";
import { CHROMIUM, openDashboardPage } from "../helpers/chromium.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { webAndSettings } from "../helpers/manifests.js";
import { startReadyService, testRunSettings } from "../helpers/service-run.js";

let ns: TestNamespace;
let dir: string;
let service: RunningService;
let browser: Browser;
let page: Page;
let viewerToken: string;
const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);
const dialogOpen = () => page.locator("#token-dialog").evaluate((d) => (d as unknown as { open: boolean }).open);

describe.skipIf(!existsSync(CHROMIUM))("dashboard sign-in off loopback", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "signin");
    dir = mkdtempSync(join(tmpdir(), "signin-"));
    const viewer = readFileSync("deploy/base/rbac-access.yaml", "utf8")
      .split(/^---$/m)
      .filter((d) => /name: drift-detector-viewer\n/.test(d));
    kubectlWithInput(["apply", "-f", "-"], viewer.join("\n---\n"));
    kubectl("create", "serviceaccount", "viewer");
    kubectl(
      "create",
      "clusterrolebinding",
      `${ns.name}-viewer`,
      "--clusterrole=drift-detector-viewer",
      `--serviceaccount=${ns.name}:viewer`,
    );
    viewerToken = kubectl("create", "token", "viewer", "--duration=1h").trim();
    writeFileSync(join(dir, "app.yaml"), webAndSettings(ns.name));
    kubectl("apply", "--server-side", "-f", join(dir, "app.yaml"));
    service = await startReadyService({
      settings: testRunSettings({ source: dir, dataDir: join(dir, "data"), listen: "0.0.0.0:0" }),
    });
    ({ browser, page } = await openDashboardPage());
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    if (ns) {
      kubectlWithInput(["delete", "clusterrolebinding", `${ns.name}-viewer`, "--ignore-not-found"]);
      await ns.delete();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("asks for a token, refuses a forged one, and signs a viewer in with the stream live", async () => {
    await page.goto(`http://127.0.0.1:${new URL(service.address).port}/#/drifts`);
    await page.locator("#token-dialog[open]").waitFor();

    // A token the apiserver does not know: forgotten, said so, and asked for again.
    await page.getByLabel("API token").fill("forged-token-0123456789");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("The token was not accepted; sign in again.").waitFor();
    await page.locator("#token-dialog[open]").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.getByLabel("API token").fill(viewerToken);
    await page.getByRole("button", { name: "Save" }).click();
    const button = page.locator("#token-button");
    await page.getByText(`Signed in as system:serviceaccount:${ns.name}:viewer`).waitFor();
    expect(await dialogOpen()).toBe(false);
    // What the viewer role grants, from SubjectAccessReviews: read and watch, not act.
    expect(await button.getAttribute("title")).toBe("may: read, watch, audit");
    await page.locator('#live[data-state="live"]').waitFor();

    // A hand change arrives over the authenticated stream, without a reload.
    kubectl("patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    await page
      .locator("table.list tbody tr", { hasText: `ConfigMap ${ns.name}/settings` })
      .waitFor({ timeout: 20_000 });
    expect(await dialogOpen()).toBe(false);
  }, 120_000);
});
