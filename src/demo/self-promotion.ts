// The story's last act: the detector is promoted and rolled back like the app it watches. A change to its own unit in
// drift-detector-dev (its detection interval) is applied to dev, promoted to drift-detector-prod with `hub unit update
// --patch --upgrade` (prod keeps its own overrides: replicas, the database), applied, and rolled back with
// `hub unit update --restore N`; each step is read back from the sandbox with kubectl.
import { parseAllDocuments } from "yaml";
import { ConfigHubClient } from "../hub/confighub/client.js";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import { applySpace } from "./apply.js";
import { kubectl } from "./kubectl.js";
import { SELF_DEV_SPACE, SELF_PROD_SPACE } from "./load.js";
import type { Progress } from "./progress.js";
import type { DemoState } from "./state.js";

export const SELF_PROMOTION_STEPS = 3;

/** The sandbox plays both clusters: prod's objects live in a namespace of their own so that they leave dev's alone. */
export const SELF_PROD_NAMESPACE = "drift-detector-prod";
const DEV_NAMESPACE = "devops-apps";
const UNIT = "drift-detector";
const NEW_INTERVAL = "2m";

/** The detector Deployment's DRIFT_INTERVAL in a unit's data set to `value` (the rest of the text as it was). */
export function withInterval(data: string, value: string): string {
  const docs = parseAllDocuments(data, MANIFEST_YAML);
  let found = false;
  for (const doc of docs) {
    if (doc.get("kind") !== "Deployment") continue;
    const env = doc.getIn(["spec", "template", "spec", "containers", 0, "env"]) as
      | { items: Array<{ get(k: string): unknown; set(k: string, v: unknown): void }> }
      | undefined;
    const item = env?.items.find((e) => e.get("name") === "DRIFT_INTERVAL");
    if (item) {
      item.set("value", value);
      found = true;
    }
  }
  if (!found) throw new Error("no DRIFT_INTERVAL in the detector's Deployment");
  return docs.map((d) => String(d)).join("");
}

export async function promoteDetector(state: DemoState, progress: Progress): Promise<void> {
  const { kubeconfig } = state;
  const hub = new ConfigHubClient({ url: state.hubUrl, token: state.hubToken });
  const live = async (namespace: string, path: string) =>
    (
      await kubectl(["get", "deployment/drift-detector", "-n", namespace, "-o", `jsonpath=${path}`], { kubeconfig })
    ).stdout.trim();
  const interval = (namespace: string) =>
    live(namespace, '{.spec.template.spec.containers[0].env[?(@.name=="DRIFT_INTERVAL")].value}');
  const expectLive = async (namespace: string, want: string) => {
    const got = await interval(namespace);
    if (got !== want) throw new Error(`${namespace}/drift-detector has DRIFT_INTERVAL=${got}, not ${want}`);
    progress.say(`    sandbox: ${namespace}/drift-detector runs with DRIFT_INTERVAL=${got}`);
  };

  try {
    await progress.step(`The detector's own change: DRIFT_INTERVAL=${NEW_INTERVAL} in ${SELF_DEV_SPACE}`, async () => {
      const unit = await hub.putUnitData(
        SELF_DEV_SPACE,
        UNIT,
        withInterval(await hub.getUnitData(SELF_DEV_SPACE, UNIT), NEW_INTERVAL),
        { description: `detect every ${NEW_INTERVAL}` },
      );
      progress.say(`    ${SELF_DEV_SPACE}/${UNIT}: revision ${unit.HeadRevisionNum}, applied to the sandbox`);
      await applySpace(hub, SELF_DEV_SPACE, { kubeconfig, only: [UNIT] });
      await expectLive(DEV_NAMESPACE, NEW_INTERVAL);
    });

    const before = await hub.getUnit(SELF_PROD_SPACE, UNIT);
    const previous = await hub.getUnitData(SELF_PROD_SPACE, UNIT).then((d) => intervalOf(d));
    await progress.step(
      `Promoting it to ${SELF_PROD_SPACE}: hub unit update --patch --upgrade ${UNIT}, then apply`,
      async () => {
        const { unit } = await hub.upgradeUnit(SELF_PROD_SPACE, UNIT);
        progress.say(
          `    ${SELF_PROD_SPACE}/${UNIT}: revision ${before.HeadRevisionNum} -> ${unit.HeadRevisionNum}, merged from ${SELF_DEV_SPACE}`,
        );
        await applySpace(hub, SELF_PROD_SPACE, { kubeconfig, first: ["namespace"], only: ["namespace", UNIT] });
        await expectLive(SELF_PROD_NAMESPACE, NEW_INTERVAL);
        // prod's own overrides survive the promotion
        progress.say(
          `    sandbox: ${SELF_PROD_NAMESPACE}/drift-detector keeps prod's ${await live(SELF_PROD_NAMESPACE, "{.spec.replicas}")} replicas`,
        );
      },
    );

    await progress.step(
      `Rolling ${SELF_PROD_SPACE} back: hub unit update --restore ${before.HeadRevisionNum} ${UNIT}, then apply`,
      async () => {
        const unit = await hub.restoreUnit(SELF_PROD_SPACE, UNIT, before.HeadRevisionNum);
        progress.say(
          `    ${SELF_PROD_SPACE}/${UNIT}: revision ${before.HeadRevisionNum}'s data is the new head revision ${unit.HeadRevisionNum}`,
        );
        await applySpace(hub, SELF_PROD_SPACE, { kubeconfig, only: [UNIT] });
        await expectLive(SELF_PROD_NAMESPACE, previous);
      },
    );
  } finally {
    await hub.close();
  }
}

function intervalOf(data: string): string {
  for (const doc of parseAllDocuments(data, MANIFEST_YAML)) {
    const o = doc.toJS() as {
      kind?: string;
      spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } } };
    };
    const v =
      o?.kind === "Deployment" &&
      o.spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === "DRIFT_INTERVAL");
    if (v) return v.value ?? "";
  }
  throw new Error("no DRIFT_INTERVAL in the detector's Deployment");
}
