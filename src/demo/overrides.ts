import { type Document, isMap, isSeq, parseAllDocuments, type YAMLMap } from "yaml";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import type { Environment } from "./environments.js";

// An environment's overrides, written into a unit's YAML as that environment's own change. Edits the YAML
// documents in place, so comments and layout of everything else survive (as the hub's functions do).

const POD_SPEC: Record<string, string[]> = {
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
};

/**
 * The unit's data for one environment: every object moved to `namespace` (a Namespace object renamed to it),
 * replicas and container environment variables set as the environment says.
 */
export function applyOverrides(data: string, namespace: string, env: Pick<Environment, "replicas" | "env">): string {
  const docs = parseAllDocuments(data, MANIFEST_YAML);
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0].message}`);
    if (!isMap(doc.contents)) continue;
    overrideOne(doc, namespace, env);
  }
  return list.map((d, i) => (i > 0 ? `---\n${String(d).replace(/^---\n/, "")}` : String(d))).join("");
}

function overrideOne(doc: Document, namespace: string, env: Pick<Environment, "replicas" | "env">): void {
  const kind = String(doc.get("kind"));
  const name = String(doc.getIn(["metadata", "name"]));
  if (kind === "Namespace") doc.setIn(["metadata", "name"], namespace);
  else doc.setIn(["metadata", "namespace"], namespace);

  const podSpec = POD_SPEC[kind];
  if (!podSpec) return;
  const replicas = env.replicas[name];
  if (replicas !== undefined && kind !== "DaemonSet") doc.setIn(["spec", "replicas"], replicas);
  const containers = doc.getIn([...podSpec, "containers"], true);
  if (!isSeq(containers)) return;
  for (const container of containers.items) {
    if (!isMap(container)) continue;
    const vars = env.env[String(container.get("name"))];
    if (vars) for (const [key, value] of Object.entries(vars)) setEnvVar(doc, container, key, value);
  }
}

function setEnvVar(doc: Document, container: YAMLMap, name: string, value: string): void {
  let list = container.get("env", true);
  if (!isSeq(list)) {
    container.set("env", doc.createNode([]));
    list = container.get("env", true);
  }
  if (!isSeq(list)) return;
  const item = list.items.find((i) => isMap(i) && i.get("name") === name) as YAMLMap | undefined;
  if (!item) {
    list.add(doc.createNode({ name, value }));
    return;
  }
  item.delete("valueFrom");
  item.set("value", value);
}
