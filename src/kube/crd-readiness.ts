import type { KubeObject } from "../drift/types.js";
import { errorMessage } from "../lib/errors.js";
import type { KubeClient } from "./client.js";
import type { Discovery, ResourceInfo } from "./discovery.js";
import { UnknownKindError } from "./errors.js";
import { getObject } from "./objects.js";

// A CustomResourceDefinition is usable only once the apiserver has accepted its names and started serving it
// (condition Established=True) and discovery lists its kinds: an apply of its custom resources before that fails
// with "no matches for kind". `unit apply` waits here between applying CRDs and applying the rest.

export const CRD_INFO: ResourceInfo = {
  group: "apiextensions.k8s.io",
  version: "v1",
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
  verbs: [],
};

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** Whether a CRD (as read from the cluster) is Established; if not, the most telling condition, for the error. */
export function crdReadiness(crd: KubeObject | undefined): { established: boolean; note: string } {
  if (!crd) return { established: false, note: "not found" };
  const conditions = ((crd.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).filter(Boolean);
  if (conditions.some((c) => c.type === "Established" && c.status === "True")) return { established: true, note: "" };
  // NamesAccepted=False (a kind or plural already taken) says why it never will be; otherwise Established's reason.
  const telling =
    conditions.find((c) => c.type === "NamesAccepted" && c.status === "False") ??
    conditions.find((c) => c.type === "Established");
  if (!telling) return { established: false, note: "no conditions yet" };
  const detail = [telling.reason, telling.message].filter(Boolean).join(": ");
  return { established: false, note: `${telling.type}=${telling.status}${detail ? ` ${detail}` : ""}` };
}

/** The apiVersion/kind pairs a CRD manifest serves (one per served version). */
export function servedKinds(crd: KubeObject): Array<{ apiVersion: string; kind: string }> {
  const spec = (crd.spec ?? {}) as {
    group?: string;
    names?: { kind?: string };
    versions?: Array<{ name?: string; served?: boolean }>;
  };
  const kind = spec.names?.kind;
  if (!spec.group || !kind) return [];
  return (spec.versions ?? [])
    .filter((v) => v.name && v.served !== false)
    .map((v) => ({ apiVersion: `${spec.group}/${v.name}`, kind }));
}

export interface AwaitCrdsOptions {
  timeoutMs: number;
  pollMs?: number;
}

/**
 * Waits until every named CRD is Established and discovery serves each of its kinds (discovery is refreshed for
 * their group/versions). Answers the CRDs that did not get there within the timeout, each with a one-line reason.
 */
export async function awaitCrds(
  client: KubeClient,
  discovery: Discovery,
  crds: KubeObject[],
  opts: AwaitCrdsOptions,
): Promise<Map<string, string>> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 250;
  const waiting = new Map(crds.map((c) => [c.metadata.name, c]));
  const reasons = new Map<string, string>();
  for (;;) {
    await Promise.all(
      [...waiting].map(async ([name, manifest]) => {
        const reason = await notReady(client, discovery, name, manifest);
        if (reason === undefined) {
          waiting.delete(name);
          reasons.delete(name);
        } else reasons.set(name, reason);
      }),
    );
    if (waiting.size === 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
  }
  const secs = `${Math.round(opts.timeoutMs / 100) / 10}s`;
  return new Map([...waiting.keys()].map((name) => [name, `${reasons.get(name)} after ${secs}`]));
}

/** Undefined when ready; else why not (without the timing, which the caller adds). */
async function notReady(
  client: KubeClient,
  discovery: Discovery,
  name: string,
  manifest: KubeObject,
): Promise<string | undefined> {
  let live: KubeObject | undefined;
  try {
    live = await getObject(client, CRD_INFO, undefined, name);
  } catch (err) {
    return `CustomResourceDefinition ${name} not Established (reading it failed: ${errorMessage(err)})`;
  }
  const { established, note } = crdReadiness(live);
  if (!established) return `CustomResourceDefinition ${name} not Established (${note})`;
  for (const { apiVersion, kind } of servedKinds(live ?? manifest)) {
    discovery.invalidate(apiVersion);
    try {
      await discovery.resolve(apiVersion, kind);
    } catch (err) {
      if (!(err instanceof UnknownKindError))
        return `CustomResourceDefinition ${name}: discovery of ${apiVersion} failed (${errorMessage(err)})`;
      return `CustomResourceDefinition ${name} is Established but discovery does not list ${kind} in ${apiVersion}`;
    }
  }
  return undefined;
}
