// Sharding: remediation of a shard is executed by its owner only. An action asked of a replica that does not hold
// the record's shard is forwarded (once) to the replica that does, over its HTTP API with the shared API token; the
// owner's answer, audit entry and all, is the answer. Without an owner in sight the action is refused (503) as today.
import type { DriftRecord } from "../detector/records.js";
import { errorMessage } from "../lib/errors.js";
import { type ActionRequest, type ActionResult, RemediationError, type Remediator } from "../remediation/types.js";
import { FORWARDED_HEADER } from "../server/routes/drifts.js";
import type { ShardCoordinator } from "../sharding/coordinator.js";
import type { WatchedCluster } from "./remediation.js";

export interface ForwardingOptions {
  local: Remediator;
  coordinator: ShardCoordinator;
  clusters: () => WatchedCluster[];
  record: (id: string) => Promise<DriftRecord | undefined>;
  apiToken?: string;
  timeoutMs?: number;
}

export function forwardingRemediator(opts: ForwardingOptions): Remediator {
  return {
    mode: opts.local.mode,
    act: async (recordId: string, request: ActionRequest): Promise<ActionResult> => {
      if (request.forwarded) return opts.local.act(recordId, request);
      const record = await opts.record(recordId);
      const watched =
        record && opts.clusters().find((c) => c.name === record.cluster && c.shard && (!c.scope || c.scope(record)));
      if (!watched?.shard || watched.holdsLease?.()) return opts.local.act(recordId, request);
      const owner = opts.coordinator.holderOf(watched.shard);
      if (!owner?.address) return opts.local.act(recordId, request); // refused there: nobody to forward to
      return forward(`${owner.address}/api/drifts/${encodeURIComponent(recordId)}/actions`, request, opts);
    },
  };
}

async function forward(url: string, request: ActionRequest, opts: ForwardingOptions): Promise<ActionResult> {
  const { forwarded: _, ...body } = request;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [FORWARDED_HEADER]: "1",
        ...(opts.apiToken ? { authorization: `Bearer ${opts.apiToken}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    });
  } catch (err) {
    throw new RemediationError(503, `the owner of this record's shard cannot be reached: ${errorMessage(err)}`);
  }
  const answer = (await res.json().catch(() => ({}))) as ActionResult & { message?: string; error?: string };
  if (res.ok) return answer;
  const status = [400, 403, 404, 409, 422, 501, 502, 503].includes(res.status) ? res.status : 502;
  throw new RemediationError(
    status as RemediationError["status"],
    answer.message ?? answer.error ?? `the owner answered HTTP ${res.status}`,
  );
}
