// The commands an analysis suggests: the drift record's own actions when the service tracks it, otherwise the
// hub's cub-style commands (`drift-detector hub run set-replicas …`) or kubectl. The one place that knows their shape.
import type { Change, ObjectRef } from "../../drift/types.js";
import { REDACTED } from "../redact.js";
import type { AnalysisRequest, RecommendedAction } from "../types.js";

/** Single-quotes a shell word unless it is plainly safe. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

function nsFlag(ref: ObjectRef): string {
  return ref.namespace ? ` -n ${shellWord(ref.namespace)}` : "";
}

function kubectlTarget(ref: ObjectRef): string {
  const group = ref.apiVersion.includes("/") ? `.${ref.apiVersion.split("/")[0]}` : "";
  return `${ref.kind.toLowerCase()}${group}/${ref.name}`;
}

/** `--space S --where "Slug = 'U'"` for hub sources, undefined for files. */
function hubTarget(req: AnalysisRequest): string | undefined {
  const s = req.result.source;
  if (s.type === "file") return undefined;
  return `--space ${shellWord(s.space)} --where "Slug = '${s.unit.replace(/'/g, "''")}'"`;
}

/** Container name from a human field like spec.template.spec.containers[name=backend].image */
export function containerOf(change: Change): string | undefined {
  return /(?:initContainers|containers)\[name=([^\]]+)\]/.exec(change.field)?.[1];
}

export function inspectCommand(req: AnalysisRequest): string {
  return `kubectl get ${kubectlTarget(req.result.ref)}${nsFlag(req.result.ref)} -o yaml --show-managed-fields`;
}

export function rolloutHistoryCommand(req: AnalysisRequest): string | undefined {
  const { ref } = req.result;
  if (!["Deployment", "StatefulSet", "DaemonSet"].includes(ref.kind)) return undefined;
  return `kubectl rollout history ${kubectlTarget(ref)}${nsFlag(ref)}`;
}

/** Put the desired state back in the cluster. */
export function revertCommand(req: AnalysisRequest): string {
  const id = req.context?.driftId;
  if (id) return `drift-detector drift revert ${shellWord(id)}`;
  const s = req.result.source;
  if (s.type === "file") return `kubectl apply --server-side -f ${shellWord(s.path)}`;
  return `drift-detector hub unit apply ${shellWord(s.unit)} --space ${shellWord(s.space)}`;
}

export function ignoreCommand(req: AnalysisRequest): string | undefined {
  const id = req.context?.driftId;
  return id ? `drift-detector drift ignore ${shellWord(id)}` : undefined;
}

/** Write the live value into the hub as a new revision, with a function where one fits the change. */
export function acceptCommands(req: AnalysisRequest, change: Change | undefined): string[] {
  const id = req.context?.driftId;
  if (id) return [`drift-detector drift accept ${shellWord(id)}`];
  const target = hubTarget(req);
  // a manifest file: the live object is what to copy into it
  if (!target) return change?.masked ? [] : [inspectCommand(req)];
  if (!change || change.masked) return [];
  if (change.path === "/spec/replicas" && typeof change.live === "number") {
    return [`drift-detector hub run set-replicas --replicas ${change.live} ${target}`];
  }
  const container = containerOf(change);
  if (container && change.path.endsWith("/image") && typeof change.live === "string") {
    return [
      `drift-detector hub run set-image --container-name ${shellWord(container)} --container-image ${shellWord(change.live)} ${target}`,
    ];
  }
  const env = envVarOf(change);
  if (container && env && env.value !== REDACTED) {
    return [
      `drift-detector hub run set-env-var --container-name ${shellWord(container)} --env-var ${shellWord(env.name)} --env-value ${shellWord(env.value)} ${target}`,
    ];
  }
  return [];
}

/** The live env var a change sets: a whole `{name, value}` item, or `env[name=X].value`. */
function envVarOf(change: Change): { name: string; value: string } | undefined {
  if (/\/env\/\d+$/.test(change.path)) {
    const item = change.live as { name?: unknown; value?: unknown } | undefined;
    if (typeof item?.name === "string" && typeof item.value === "string") return { name: item.name, value: item.value };
    return undefined;
  }
  const name = /env\[name=([^\]]+)\]\.value$/.exec(change.field)?.[1];
  return name && typeof change.live === "string" ? { name, value: change.live } : undefined;
}

/** The commands that carry out a recommended action. */
export function actionCommands(action: RecommendedAction, req: AnalysisRequest, change: Change | undefined): string[] {
  switch (action) {
    case "revert":
      return [revertCommand(req)];
    case "accept":
      return acceptCommands(req, change);
    case "ignore": {
      const cmd = ignoreCommand(req);
      return cmd ? [cmd] : [];
    }
    case "investigate":
      return [inspectCommand(req)];
  }
}

/** "the hub (acorn-bear-qa/backend)" or "its manifest (./manifests/app.yaml)": where the desired state lives. */
export function declaredIn(req: AnalysisRequest): string {
  const s = req.result.source;
  return s.type === "file" ? `its manifest (${s.path})` : `the hub (${s.space}/${s.unit})`;
}
