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
  /** Epoch milliseconds when the webhook saw the request. */
  at: number;
}

/** Who changed a drift, or plainly that we do not know. */
export type ChangedBy =
  | { known: true; person: Person; operation: string; subresource: string; at: string }
  | { known: false };
