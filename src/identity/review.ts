import { changedPaths, digestAt } from "./changed-paths.js";
import { type AdmissionWrite, objectRefKey } from "./types.js";

interface ManagedEntry {
  manager?: string;
  time?: string;
}

/** An AdmissionReview v1 request reduced to an AdmissionWrite; null when it is not one we can use. */
export function writeFromReview(review: unknown, at: number): AdmissionWrite | null {
  const req = (review as { request?: Record<string, unknown> } | null)?.request;
  if (typeof req !== "object" || req === null) return null;
  const user = (req.userInfo ?? {}) as { username?: string; uid?: string; groups?: string[] };
  const oldObject = req.oldObject ?? null;
  const object = req.object ?? null;
  const uid = meta(object)?.uid ?? meta(oldObject)?.uid;
  if (typeof uid !== "string" || typeof user.username !== "string") return null;
  const paths = changedPaths(oldObject, object);
  const kind = (req.kind ?? {}) as { group?: string; kind?: string };
  const name = typeof req.name === "string" && req.name !== "" ? req.name : (meta(object)?.name ?? "");
  return {
    user: { username: user.username, uid: user.uid ?? "", groups: user.groups ?? [] },
    operation: String(req.operation ?? ""),
    subresource: String(req.subResource ?? ""),
    manager: managerOf(req.options, object),
    dryRun: req.dryRun === true,
    objectUid: uid,
    objectRef: objectRefKey(
      kind.group ?? "",
      kind.kind ?? "",
      typeof req.namespace === "string" ? req.namespace : undefined,
      name,
    ),
    paths,
    digests: Object.fromEntries(paths.map((p) => [p, digestAt(object, p)])),
    at,
  };
}

type Meta = { uid?: string; name?: string; managedFields?: ManagedEntry[] };

function meta(obj: unknown): Meta | undefined {
  return (obj as { metadata?: Meta } | null)?.metadata;
}

/** The request's fieldManager option, else the newest managedFields entry of the new object. */
function managerOf(options: unknown, object: unknown): string {
  const fm = (options as { fieldManager?: unknown } | null)?.fieldManager;
  return typeof fm === "string" && fm !== "" ? fm : newestManager(object);
}

/** The manager of an object's newest managedFields entry ("" when it has none). */
export function newestManager(object: unknown): string {
  const entries = [...(meta(object)?.managedFields ?? [])];
  entries.sort((a, b) => (a.time ?? "").localeCompare(b.time ?? ""));
  return entries.at(-1)?.manager ?? "";
}

/** The one answer the webhook ever gives: allowed, no patch, echoing the request uid. */
export function allowReview(review: unknown): object {
  const uid = (review as { request?: { uid?: unknown } } | null)?.request?.uid;
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: typeof uid === "string" ? uid : "", allowed: true },
  };
}
