// Who changed a drift is personal data: readers who have not authenticated see that a person is known, and when,
// but not who. The model is told only when DRIFT_IDENTITY_TO_MODEL allows it (detector/announcer.ts).
import type { ChangedBy } from "./types.js";

interface WithChangedBy {
  changedBy?: ChangedBy;
  history?: Array<{ changedBy?: ChangedBy }>;
}

/** The record as served to a reader who has not authenticated: each person withheld (the record is not changed). */
export function withholdPerson<T extends WithChangedBy>(rec: T): T {
  if (!rec.changedBy && !rec.history?.some((h) => h.changedBy)) return rec;
  const one = <E extends { changedBy?: ChangedBy }>(e: E): E => {
    const c = e.changedBy;
    if (!c?.known || !("person" in c)) return e;
    const { person: _, ...rest } = c;
    return { ...e, changedBy: { ...rest, withheld: true } };
  };
  const out = one(rec);
  return rec.history ? { ...out, history: rec.history.map(one) } : out;
}

/** `alice (groups sre, system:authenticated) via kubectl, UPDATE scale at …`; `unknown`; undefined when off. */
export function describeChangedBy(c: ChangedBy | undefined): string | undefined {
  if (!c) return undefined;
  if (!c.known) return "unknown";
  const who = "person" in c ? `${c.person.username} (groups ${c.person.groups.join(", ") || "none"})` : "a person";
  return `${who} via ${c.via || "no field manager"}, ${c.operation}${c.subresource ? ` ${c.subresource}` : ""} at ${c.at}`;
}
