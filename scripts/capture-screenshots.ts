// Refreshes the README's dashboard screenshots (docs/images/*.png) from a running demo:
//
//   npm run demo -- --no-story            # or the whole demo; either leaves the system running
//   npx tsx scripts/capture-screenshots.ts [--dir .demo] [--out docs/images]
//   npm run demo -- --stop
//
// It makes three drifts with the demo's kubectl (scales the backend in <prefix>-qa, sets a release-candidate image
// on the backend in <prefix>-prod, a LOG_LEVEL in <prefix>-staging) and a qa revision in the hub that is not promoted
// (so that staging is behind its upstream), waits until the service reports them with an analysis, then captures
// with Debian's chromium: the overview, the fleet, the drift list, the image drift's detail and its revert dry-run
// preview. A preview changes nothing: the drifts stay open (revert them from the dashboard).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { ConfigHubClient } from "../src/hub/confighub/client.js";
import { launchChromium } from "../test/helpers/chromium.js";

interface DemoState {
  prefix: string;
  hubUrl: string;
  hubToken: string;
  kubeconfig: string;
  kubectl: string;
  detectorUrl: string;
  apiToken: string;
}

interface RecordSummary {
  id: string;
  ref: { kind: string; namespace?: string; name: string };
  changes: Array<{ path: string }>;
  analysis?: unknown;
}

const VIEWPORT = { width: 1280, height: 800 };
const RC_IMAGE = "ghcr.io/confighubai/cubbychat/backend:1.2.0-rc.1";

const { values: args } = parseArgs({
  options: { dir: { type: "string", default: ".demo" }, out: { type: "string", default: "docs/images" } },
});
const demoDir = resolve(args.dir as string);
const outDir = resolve(args.out as string);

function readDemo(): DemoState {
  try {
    return JSON.parse(readFileSync(join(demoDir, "state.json"), "utf8")) as DemoState;
  } catch {
    throw new Error(`no running demo in ${demoDir} (start one with \`npm run demo -- --no-story --dir ${args.dir}\`)`);
  }
}

const demo = readDemo();
const ns = (env: string) => `${demo.prefix}-${env}`;

function kubectl(namespace: string, ...rest: string[]): void {
  const out = execFileSync(demo.kubectl, ["--kubeconfig", demo.kubeconfig, "-n", namespace, ...rest], {
    encoding: "utf8",
  });
  process.stdout.write(`  $ kubectl -n ${namespace} ${rest.join(" ")}\n    ${out.trim()}\n`);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The open record of one object, once it names `path` and carries an analysis. */
async function openRecord(namespace: string, name: string, path: string): Promise<RecordSummary> {
  return until(`the drift of ${namespace}/${name} (${path})`, async () => {
    const res = await fetch(`${demo.detectorUrl}/api/drifts?namespace=${namespace}`);
    const { items } = (await res.json()) as { items: RecordSummary[] };
    const r = items.find((i) => i.ref.name === name && i.changes.some((c) => c.path.startsWith(path)));
    return r?.analysis ? r : undefined;
  });
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const file = join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  process.stdout.write(`  ${file} (${Math.round(statSync(file).size / 1024)} KB)\n`);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  process.stdout.write(`Making drifts in ${demo.prefix}-qa, -prod and -staging:\n`);
  kubectl(ns("qa"), "scale", "deployment/backend", "--replicas=4");
  kubectl(ns("prod"), "set", "image", "deployment/backend", `backend=${RC_IMAGE}`);
  kubectl(ns("staging"), "set", "env", "deployment/backend", "LOG_LEVEL=trace");
  // A new revision of the qa backend in the hub, not promoted yet: staging is behind its upstream in the matrix.
  const hub = new ConfigHubClient({ url: demo.hubUrl, token: demo.hubToken });
  const data = await hub.getUnitData(ns("qa"), "backend");
  await hub.putUnitData(ns("qa"), "backend", data.replace(/replicas: \d+/, "replicas: 2"), {
    description: "2 replicas",
  });
  await hub.close();
  process.stdout.write(`  a new revision of ${ns("qa")}/backend in the hub, not promoted\n`);
  await openRecord(ns("qa"), "backend", "/spec/replicas");
  await openRecord(ns("staging"), "backend", "/spec/template/spec/containers");
  const image = await openRecord(ns("prod"), "backend", "/spec/template/spec/containers");

  process.stdout.write(`Capturing ${demo.detectorUrl}/ into ${outDir}:\n`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    // Signed in for actions, as after the token dialog (the dashboard keeps the token in sessionStorage).
    await page.addInitScript(
      ([token]) => {
        // runs in the page (no DOM types in this project's lib)
        const storage = (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } })
          .sessionStorage;
        storage.setItem("drift-detector.token", token);
        storage.setItem("drift-detector.actor", "Dana Reviewer");
      },
      [demo.apiToken],
    );
    await page.goto(`${demo.detectorUrl}/#/`);
    await page.locator('#live[data-state="live"]').waitFor();
    await page.getByRole("heading", { name: "Recent events" }).waitFor();
    await shot(page, "overview");

    await until("staging behind qa in the environment matrix", async () => {
      const res = await fetch(`${demo.detectorUrl}/api/stats/environments`);
      return (await res.text()).includes(`"upstreamSpace":"${ns("qa")}"`) || undefined;
    });
    await page.goto(`${demo.detectorUrl}/#/fleet`);
    await page.locator("table.matrix").first().waitFor();
    await page.locator("#chart-opened canvas").waitFor();
    await shot(page, "fleet", true);

    await page.goto(`${demo.detectorUrl}/#/drifts`);
    await page.locator("table.list tbody tr").first().waitFor();
    await shot(page, "drift-list");

    await page.goto(`${demo.detectorUrl}/#/drifts/${image.id}`);
    await page.getByRole("heading", { name: /What differs/ }).waitFor();
    await page.locator(".analysis").waitFor();
    await shot(page, "drift-detail", true);

    await page.getByRole("button", { name: "Revert cluster…" }).click();
    await page.getByRole("button", { name: "Preview (dry-run)" }).click();
    await page.locator("#action-preview table").waitFor();
    await shot(page, "revert-preview");
    await page.getByRole("button", { name: "Cancel" }).click();
  } finally {
    await browser.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`capture-screenshots: ${err.message}\n`);
  process.exit(1);
});
