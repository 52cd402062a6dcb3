import type { MergeConflict } from "../types.js";
import type { MutationConflict } from "./wire.js";

// Our upgrade conflicts (document + pointer) as ConfigHub's MutationConflict, and back.

export const KEPT_DOWNSTREAM = "changed upstream and downstream; the downstream value was kept";

export function toMutationConflict(c: MergeConflict): MutationConflict {
  return { Path: c.Path, Reason: KEPT_DOWNSTREAM, Details: c.Document };
}

export function fromMutationConflict(c: MutationConflict): MergeConflict {
  return { Document: c.Details ?? c.Resource?.ResourceName ?? "", Path: c.Path ?? "" };
}
