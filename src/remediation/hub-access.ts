// `accept`'s view of a hub (embedded, ours over HTTP, or ConfigHub), on the shared HubApi.
import { createHash } from "node:crypto";
import type { HubApi } from "../hub/api.js";
import { type HubUnitAccess, RemediationError } from "./types.js";

export function hubUnitAccess(api: HubApi): HubUnitAccess {
  return {
    headRevision: async (space, unit) => (await guard(() => api.getUnit(space, unit))).HeadRevisionNum,
    getData: async (space, unit) => {
      const meta = await guard(() => api.getUnit(space, unit));
      const data = await guard(() => api.getUnitData(space, unit));
      // The edit must be made from exactly the data the If-Match names.
      if (createHash("sha256").update(data).digest("hex") !== meta.DataHash) {
        throw new RemediationError(409, `unit ${space}/${unit} changed while it was read; nothing written: try again`);
      }
      return { data, etag: `"${meta.DataHash}"` };
    },
    putData: async (space, unit, data, opts) => {
      const before = await guard(() => api.getUnit(space, unit));
      const after = await guard(() => api.putUnitData(space, unit, data, opts));
      // The cluster already holds what the new revision says: where the previous head was the applied one, so is
      // this one (the embedded hub's own record of delivery; otherwise the next apply would "change" nothing).
      if (before.LastAppliedRevisionNum === before.HeadRevisionNum && before.LastAppliedRevisionNum > 0) {
        await guard(() => api.markApplied(space, unit, after.HeadRevisionNum));
      }
      return after.HeadRevisionNum;
    },
  };
}

async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    const message = (err as Error).message;
    if (status === 409 || status === 412) {
      throw new RemediationError(
        409,
        `the hub refused the write, the unit changed meanwhile (${message}); nothing written`,
      );
    }
    if (status === 404) throw new RemediationError(404, `the hub has no such unit (${message})`);
    throw err;
  }
}
