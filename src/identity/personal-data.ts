// Who changed a drift is personal data: readers who have not authenticated see that a person is known, and when,
// but not who. The model sees the person only when DRIFT_IDENTITY_TO_MODEL allows it.
import type { ChangedBy } from "./types.js";

interface WithChangedBy {
  changedBy?: ChangedBy;
  history?: Array<{ changedBy?: ChangedBy }>;
}

/** The record as served to a reader who has not authenticated: each person withheld. */
export function withholdPerson<T extends WithChangedBy>(rec: T): T {
  return mapChangedBy(rec, (c) => {
    if (!c.known || !("person" in c)) return c;
    const { person: _, ...rest } = c;
    return { ...rest, withheld: true };
  });
}

/** The record with no trace of identity (the model's context unless DRIFT_IDENTITY_TO_MODEL). */
export function withoutPerson<T extends WithChangedBy>(rec: T): T {
  return mapChangedBy(rec, () => undefined);
}

function mapChangedBy<T extends WithChangedBy>(rec: T, f: (c: ChangedBy) => ChangedBy | undefined): T {
  if (!rec.changedBy && !rec.history?.some((h) => h.changedBy)) return rec;
  const one = <E extends { changedBy?: ChangedBy }>(e: E): E => {
    if (!e.changedBy) return e;
    const { changedBy, ...rest } = e;
    const next = f(changedBy);
    return (next ? { ...rest, changedBy: next } : rest) as E;
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
