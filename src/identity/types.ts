/** The person behind one write, as the apiserver told the admission webhook. */
export interface Person {
  username: string;
  uid: string;
  groups: string[];
}

/** One admission request, reduced to what correlation needs. */
export interface AdmissionWrite {
  user: Person;
  operation: string;
  subresource: string;
  /** The field manager from the request options (or the object's newest managedFields entry). */
  manager: string;
  dryRun: boolean;
  objectUid: string;
  /** RFC 6901 pointers that differ between the old and the new object. */
  paths: string[];
  /** By path: digestAt(new object, path), what this write left there. */
  digests: Record<string, string>;
  /** Epoch milliseconds when the webhook saw the request. */
  at: number;
}

/** Who changed a drift (the person, and the field manager the write came through), or plainly that we do not know. */
export type ChangedBy = KnownChangedBy | WithheldChangedBy | { known: false };

export interface KnownChangedBy {
  known: true;
  person: Person;
  via: string;
  operation: string;
  subresource: string;
  /** ISO time the webhook saw the write. */
  at: string;
}

/** As served to a reader who has not authenticated: a person is known, not who. */
export interface WithheldChangedBy extends Omit<KnownChangedBy, "person"> {
  withheld: true;
}
