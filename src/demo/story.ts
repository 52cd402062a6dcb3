import { parseAllDocuments } from "yaml";
import type { DriftRecord } from "../detector/records.js";
import { describeAttribution, describeRef } from "../detector/records.js";
import type { Change } from "../drift/types.js";
import { ConfigHubClient } from "../hub/confighub/client.js";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import { DriftApiClient } from "../server/client.js";
import { applySpace } from "./apply.js";
import { kubectl } from "./kubectl.js";
import type { Progress } from "./progress.js";
import { promoteDetector, SELF_PROMOTION_STEPS } from "./self-promotion.js";
import type { DemoState } from "./state.js";
import { waitUntil } from "./wait.js";

export const STORY_STEPS = 6 + SELF_PROMOTION_STEPS;

export const HOTFIX_IMAGE = "ghcr.io/confighubai/cubbychat/frontend:1.1.2-hotfix";

/**
 * The story, with real kubectl against the sandbox: someone scales the backend in prod, someone hot-fixes the
 * frontend image in staging; the detector reports both with who/when/what and an analysis; the scale is reverted,
 * the hot-fix accepted into the hub and promoted to prod. Then the detector's own promotion and rollback.
 */
export async function playStory(state: DemoState, progress: Progress): Promise<void> {
  const { prefix, kubeconfig } = state;
  const prod = `${prefix}-prod`;
  const staging = `${prefix}-staging`;
  const detector = new DriftApiClient({ url: state.detectorUrl, token: state.apiToken, timeoutMs: 60_000 });
  const hub = new ConfigHubClient({ url: state.hubUrl, token: state.hubToken });
  const run = async (args: string[]) => {
    progress.say(`    $ kubectl ${args.join(" ")}`);
    const { stdout } = await kubectl(args, { kubeconfig });
    for (const line of stdout.trim().split("\n")) if (line) progress.say(`      ${line}`);
  };

  await progress.step(`Someone scales the backend in ${prod} by hand`, () =>
    run(["scale", "deployment/backend", "--replicas=5", "-n", prod]),
  );
  await progress.step(`Someone hot-fixes the frontend image in ${staging}`, () =>
    run(["set", "image", "deployment/frontend", `frontend=${HOTFIX_IMAGE}`, "-n", staging]),
  );

  const [scaled, hotfixed] = await progress.step(
    "The detector reports both drifts, with who, when, what and an analysis",
    async (detail) => {
      const found = await waitUntil(
        "both drifts, analysed",
        async () => {
          const open = (await detector.list()).items;
          const backend = open.find(
            (r) => r.ref.kind === "Deployment" && r.ref.name === "backend" && r.ref.namespace === prod,
          );
          const frontend = open.find(
            (r) => r.ref.kind === "Deployment" && r.ref.name === "frontend" && r.ref.namespace === staging,
          );
          detail(
            `${open.length} open drift(s)${backend ? ", backend found" : ""}${frontend ? ", frontend found" : ""}`,
          );
          if (!backend || !frontend) return undefined;
          const full = await Promise.all([detector.get(backend.id), detector.get(frontend.id)]);
          return full.every((r) => r.analysis) ? full : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 1_000 },
      );
      return found;
    },
  );
  for (const record of [scaled, hotfixed]) for (const line of describeDrift(record)) progress.say(line);

  await progress.step(`Reverting the backend's replicas (drift ${scaled.id}) to what the hub says`, async () => {
    const result = await detector.act(scaled.id, { action: "revert" });
    progress.say(`    ${result.message}`);
    await waitUntil(
      "the replica drift to resolve",
      async () => ((await detector.get(scaled.id)).status === "resolved" ? true : undefined),
      {
        timeoutMs: 120_000,
        intervalMs: 1_000,
      },
    );
    const { stdout } = await kubectl(["get", "deployment/backend", "-n", prod, "-o", "jsonpath={.spec.replicas}"], {
      kubeconfig,
    });
    if (stdout.trim() === "5") throw new Error(`${prod}/backend still has 5 replicas after the revert`);
    progress.say(`    ${prod}/backend has ${stdout.trim()} replicas again`);
  });

  await progress.step(
    `Accepting the hot-fix (drift ${hotfixed.id}) into the hub as a new revision of ${staging}/frontend`,
    async () => {
      const result = await detector.act(hotfixed.id, { action: "accept" });
      progress.say(`    ${result.message}`);
    },
  );

  await progress.step(`Promoting it to ${prod}: hub unit update --patch --upgrade, then apply`, async () => {
    const before = await hub.getUnit(prod, "frontend");
    const { unit, conflicts } = await hub.upgradeUnit(prod, "frontend");
    progress.say(
      `    ${prod}/frontend: revision ${before.HeadRevisionNum} -> ${unit.HeadRevisionNum}, merged from ${staging}`,
    );
    if (imageOf(await hub.getUnitData(prod, "frontend")) !== HOTFIX_IMAGE) {
      const where = conflicts.map((c) => `${c.Document} ${c.Path}`).join(", ") || "no change merged";
      throw new Error(`the upgrade did not carry the accepted image into ${prod}/frontend (${where})`);
    }
    await applySpace(hub, prod, { kubeconfig, first: ["namespace"] });
    const { stdout } = await kubectl(
      ["get", "deployment/frontend", "-n", prod, "-o", "jsonpath={.spec.template.spec.containers[0].image}"],
      { kubeconfig },
    );
    if (stdout.trim() !== HOTFIX_IMAGE) throw new Error(`${prod}/frontend runs ${stdout.trim()}, not ${HOTFIX_IMAGE}`);
    progress.say(`    ${prod}/frontend now runs ${stdout.trim()}`);
  });

  await promoteDetector(state, progress);
}

function imageOf(data: string): string | undefined {
  for (const doc of parseAllDocuments(data, MANIFEST_YAML)) {
    const o = doc.toJS() as {
      kind?: string;
      spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } };
    };
    if (o?.kind === "Deployment") return o.spec?.template?.spec?.containers?.[0]?.image;
  }
  return undefined;
}

/** A drift record as the story prints it: what, who, when, and the analysis. */
export function describeDrift(record: DriftRecord): string[] {
  const lines = [
    `  ● ${describeRef(record.ref)} — ${record.resourceStatus}, severity ${record.severity} (drift ${record.id})`,
  ];
  for (const c of record.changes) lines.push(`      ${describeChange(c)}`);
  const a = record.analysis;
  if (a) {
    lines.push(`      analysis (${a.source}${a.model ? `, ${a.model}` : ""}): ${a.summary}`);
    lines.push(`      likely cause: ${a.likelyCause}`);
    lines.push(`      risk ${a.risk.level}: ${a.risk.why}`);
    lines.push(`      recommends ${a.recommendation.action}: ${a.recommendation.rationale}`);
  }
  return lines;
}

function describeChange(c: Change): string {
  const value = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));
  const who = c.by ? `by ${describeAttribution(c.by)}${c.by.time ? ` at ${c.by.time}` : ""}` : "by unknown";
  return `${c.field}: ${value(c.desired)} → ${value(c.live)}  ${who}`;
}
