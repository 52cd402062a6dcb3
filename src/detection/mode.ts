// `auto` comparison mode: server mode needs `patch` (for the dry-run), so ask the API server whether we may.
import type { ComparisonMode } from "../drift/types.js";
import type { Cluster } from "../kube/cluster.js";
import { errorMessage } from "../lib/errors.js";

export type ModeSetting = ComparisonMode | "auto";

export function parseMode(value: string): ModeSetting {
  if (value === "server" || value === "client" || value === "auto") return value;
  throw new Error(`invalid mode "${value}": use server, client or auto`);
}

/**
 * server when a SelfSubjectAccessReview says we may patch every resource (in `namespace`, or cluster-wide), else
 * client. A review that cannot be made (old cluster, no permission to ask) means client: read-only is always safe.
 */
export async function resolveMode(
  cluster: Cluster,
  setting: ModeSetting,
  namespace?: string,
): Promise<{ mode: ComparisonMode; reason: string }> {
  if (setting !== "auto") return { mode: setting, reason: `--mode ${setting}` };
  try {
    const res = await cluster.client.request({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: { verb: "patch", group: "*", resource: "*", namespace } },
      },
    });
    const allowed = (res.body as { status?: { allowed?: boolean } }).status?.allowed === true;
    return allowed
      ? { mode: "server", reason: "patch permitted: server-side dry-run" }
      : { mode: "client", reason: "patch not permitted: client-side comparison" };
  } catch (err) {
    return { mode: "client", reason: `cannot review access (${errorMessage(err)}): client-side comparison` };
  }
}
