// `auto` comparison mode: server mode needs `patch` (for the dry-run) on the kinds the units hold, so ask the API
// server whether we may, kind by kind.
import type { ComparisonMode } from "../drift/types.js";
import type { Cluster } from "../kube/cluster.js";
import { errorMessage } from "../lib/errors.js";

export type ModeSetting = ComparisonMode | "auto";

/** A kind (in a namespace when namespaced) the dry-run would patch. */
export interface PatchTarget {
  group: string;
  resource: string;
  namespace?: string;
}

export function parseMode(value: string): ModeSetting {
  if (value === "server" || value === "client" || value === "auto") return value;
  throw new Error(`invalid mode "${value}": use server, client or auto`);
}

/**
 * server when SelfSubjectAccessReviews say we may patch every kind of `targets` where it lives, else client. A
 * review that cannot be made (old cluster, no permission to ask) means client: read-only is always safe.
 */
export async function resolveMode(
  cluster: Cluster,
  setting: ModeSetting,
  /** Called only for `auto`; a failure (discovery) means client. */
  targets: () => Promise<PatchTarget[]>,
): Promise<{ mode: ComparisonMode; reason: string }> {
  if (setting !== "auto") return { mode: setting, reason: `--mode ${setting}` };
  try {
    for (const t of await targets()) {
      const res = await cluster.client.request({
        method: "POST",
        path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: { verb: "patch", ...t } },
        },
      });
      if ((res.body as { status?: { allowed?: boolean } }).status?.allowed !== true) {
        const where = t.namespace ? ` in ${t.namespace}` : "";
        return { mode: "client", reason: `patch on ${t.resource}${where} not permitted: client-side comparison` };
      }
    }
    return { mode: "server", reason: "patch permitted: server-side dry-run" };
  } catch (err) {
    return { mode: "client", reason: `cannot review access (${errorMessage(err)}): client-side comparison` };
  }
}
