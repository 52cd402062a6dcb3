// What the engine knows about the shape of built-in kinds, as a tree walked in step with the objects:
// how list items are matched (merge keys), which lists are atomic, which leaves are quantities, which
// live-only values are server defaults or server-allocated. Unknown kinds (CRDs) walk with `undefined`
// and fall back to generic rules (lists keyed by `name` when every item has a unique one).

export type DefaultValue = unknown | DefaultFn;
/**
 * A default that depends on the object holding the field (imagePullPolicy depends on the image tag), given that
 * object, the field's key and the object holding *it* (a Pod's memory request defaults to the container's limit).
 */
export type DefaultFn = {
  fn: (parent: Record<string, unknown>, key: string, grandparent: Record<string, unknown> | undefined) => unknown;
};

export interface ListKey {
  fields: string[];
  /** Key fields the server defaults, so that a desired item without them still matches: protocol → TCP. */
  defaults?: Record<string, unknown>;
}

export interface SchemaNode {
  /** Known map fields. */
  fields?: Record<string, SchemaNode>;
  /** Schema of every other map key (labels, data, requests). */
  anyField?: SchemaNode;
  /** Only `fields` are compared; other keys are server-owned (metadata). */
  onlyFields?: boolean;
  /** Map keys never compared, e.g. the last-applied annotation. */
  skipKeys?: ReadonlySet<string>;
  /** Map keys whose live values the server or a controller allocates (e.g. Job's controller-uid label). */
  allocatedKeys?: ReadonlySet<string>;
  /** List items. */
  item?: SchemaNode;
  /** Items matched by these fields; without a key a list is compared as a whole (or position by position). */
  listKey?: ListKey;
  /** A resource.Quantity leaf: compared by value. */
  quantity?: boolean;
  /** The server's default for this field when the desired state leaves it out. */
  dflt?: DefaultValue;
  /** Filled by the server (clusterIP, nodePort, generated selectors): never drift when undeclared. */
  allocated?: boolean;
  /** Never compared (status, server-owned metadata). */
  skip?: boolean;
  /**
   * A deprecated alias the server fills from its sibling (`serviceAccount` from `serviceAccountName`): a live-only
   * value equal to the sibling's is the server's copy, not configuration.
   */
  aliasOf?: string;
  /**
   * A pointer field whose absence means something other than its zero value (`allowPrivilegeEscalation: false` vs
   * unset, which allows it). Every other declared zero value (0, false, "") the server may drop on storing, since
   * absent and zero mean the same; these it keeps, so their absence is drift.
   */
  zeroMeaningful?: boolean;
}

export function isDefaultFn(d: unknown): d is DefaultFn {
  return typeof d === "object" && d !== null && typeof (d as DefaultFn).fn === "function";
}

/** The schema of a map key, or undefined when unknown. */
export function childOf(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (node === undefined) return undefined;
  return node.fields?.[key] ?? node.anyField;
}

// Builders, to keep the tables in defaults.ts readable.
export const obj = (fields: Record<string, SchemaNode>, extra: Partial<SchemaNode> = {}): SchemaNode => ({
  fields,
  ...extra,
});
export const dflt = (value: DefaultValue, extra: Partial<SchemaNode> = {}): SchemaNode => ({ dflt: value, ...extra });
export const fn = (f: DefaultFn["fn"]): DefaultFn => ({ fn: f });
export const keyed = (fields: string[], item: SchemaNode = {}, defaults?: Record<string, unknown>): SchemaNode => ({
  listKey: { fields, defaults },
  item,
});
export const atomic = (item: SchemaNode = {}): SchemaNode => ({ item });
export const mapOf = (value: SchemaNode, extra: Partial<SchemaNode> = {}): SchemaNode => ({
  anyField: value,
  ...extra,
});
export const QUANTITY: SchemaNode = { quantity: true };
export const QUANTITIES: SchemaNode = { anyField: QUANTITY };
export const ALLOCATED: SchemaNode = { allocated: true };
export const SKIP: SchemaNode = { skip: true };
