// Which part of a live object can change a drift verdict. A watch event whose relevant part is unchanged
// (a status update, a resync, a managedFields timestamp bump) is dropped before detection.
import { createHash } from "node:crypto";
import type { KubeObject } from "../drift/types.js";

/** The object without status, resourceVersion, generation and managedFields times. */
export function relevantView(obj: KubeObject): unknown {
  const { status: _status, metadata, ...rest } = obj;
  const { resourceVersion: _rv, generation: _gen, managedFields, ...meta } = metadata ?? ({} as KubeObject["metadata"]);
  return {
    ...rest,
    metadata: {
      ...meta,
      // Who owns which field matters (attribution, live-only fields); when they last wrote it alone does not,
      // and status subresource entries change with every status write.
      managedFields: managedFields?.filter((m) => m.subresource !== "status").map(({ time: _time, ...entry }) => entry),
    },
  };
}

/** A short digest of the relevant part: equal digests mean the event cannot change the verdict. */
export function relevanceDigest(obj: KubeObject): string {
  return createHash("sha1")
    .update(JSON.stringify(relevantView(obj)))
    .digest("base64url");
}
