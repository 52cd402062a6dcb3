// The second source of who wrote what, for clusters whose apiserver flags the operator controls: the audit webhook
// backend posts `audit.k8s.io/v1` EventLists, and each completed write at RequestResponse level is reduced to the
// same write the admission webhook gives. The audit log has no old object, so the paths are those the request set
// (a JSON patch's operations; a merge, strategic-merge or apply body's leaves, cut at its first list, whose items a
// strategic merge matches by key, not position), and the digests are of the object the write left (responseObject).

import { escapeToken } from "../lib/json-pointer.js";
import { digestAt, isBookkeeping } from "./changed-paths.js";
import { newestManager } from "./review.js";
import { type AdmissionWrite, objectRefKey } from "./types.js";

const OPERATIONS: Record<string, string> = { create: "CREATE", update: "UPDATE", patch: "UPDATE", delete: "DELETE" };

interface AuditEvent {
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string; uid?: string; groups?: string[] };
  impersonatedUser?: { username?: string; uid?: string; groups?: string[] };
  objectRef?: { apiGroup?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestObject?: unknown;
  responseObject?: { kind?: string; metadata?: ObjectMeta };
  stageTimestamp?: string;
}

interface ObjectMeta {
  uid?: string;
  name?: string;
}

/** The writes in an EventList; events that are not a completed, successful write of an object are left out. */
export function writesFromAudit(body: unknown, now: number): AdmissionWrite[] {
  const items = (body as { kind?: string; items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return [];
  return items.flatMap((e) => {
    const write = writeFromEvent(e as AuditEvent, now);
    return write ? [write] : [];
  });
}

function writeFromEvent(e: AuditEvent, now: number): AdmissionWrite | null {
  const operation = OPERATIONS[e.verb ?? ""];
  const user = e.impersonatedUser ?? e.user;
  const code = e.responseStatus?.code ?? 0;
  const object = e.responseObject;
  const uid = object?.metadata?.uid;
  if (e.stage !== "ResponseComplete" || !operation || !user?.username || code < 200 || code >= 300) return null;
  // A Status (what most deletes answer) names no kind or uid of the object: nothing to correlate with.
  if (!object || object.kind === "Status" || typeof uid !== "string") return null;
  const query = new URL(e.requestURI ?? "/", "http://apiserver").searchParams;
  const paths = operation === "DELETE" ? [] : requestPaths(e.requestObject);
  const at = Date.parse(e.stageTimestamp ?? "");
  return {
    user: { username: user.username, uid: user.uid ?? "", groups: user.groups ?? [] },
    operation,
    subresource: e.objectRef?.subresource ?? "",
    manager: query.get("fieldManager") ?? newestManager(object),
    dryRun: query.has("dryRun"),
    objectUid: uid,
    objectRef: objectRefKey(
      e.objectRef?.apiGroup ?? "",
      object.kind ?? "",
      e.objectRef?.namespace,
      e.objectRef?.name ?? object.metadata?.name ?? "",
    ),
    paths,
    digests: Object.fromEntries(paths.map((p) => [p, digestAt(object, p)])),
    at: Number.isNaN(at) ? now : at,
  };
}

/** The pointers a request body set. */
function requestPaths(body: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(body)) {
    // A JSON patch: its operations name positions in the object itself.
    // An append (`…/-`) is known only as a change of its list.
    for (const op of body as Array<{ path?: unknown }>) {
      if (typeof op?.path === "string") out.push(op.path.replace(/\/-$/, ""));
    }
  } else {
    leaves(body, "", out);
  }
  return [...new Set(out)].filter((p) => !isBookkeeping(p));
}

function leaves(value: unknown, at: string, out: string[]): void {
  if (Array.isArray(value) || typeof value !== "object" || value === null) {
    if (at !== "") out.push(at);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$")) continue; // strategic-merge directives ($patch, $setElementOrder/…, $retainKeys)
    leaves(v, `${at}/${escapeToken(k)}`, out);
  }
}
