// The walk: desired and live side by side, guided by the kind's schema. Declared fields must match; live-only
// fields are drift only when an imperative manager owns them and they are not a server default.
import { autoscalerOf, SCALABLE_KINDS } from "./autoscale.js";
import { schemaFromCrd } from "./crdschema.js";
import { groupOf, schemaFor } from "./defaults.js";
import { annotationRules, compileIgnoreRules, ignoreReason, rulesFor } from "./ignore.js";
import { attribution, culprit, IMPERATIVE_MANAGERS, OWN_MANAGERS, type OwnerQuery } from "./managedfields.js";
import { DEFAULT_SECRET_HASH_KEY, maskScalar } from "./mask.js";
import {
  findByKey,
  isEmpty,
  isPlainObject,
  isZeroScalar,
  type Json,
  listKeyOf,
  normalizeDesired,
  projectDeclared,
} from "./normalize.js";
import { NameMatcher, PathStack } from "./paths.js";
import { withPublished } from "./published.js";
import { quantitiesEqual } from "./quantity.js";
import { isDefaultFn, type ListKey, type SchemaNode } from "./schema.js";
import { isSensitiveLeaf, maskSensitive, type SensitiveKind } from "./sensitive.js";
import { type SeverityPolicy, severityPolicy, worseSeverity } from "./severity.js";
import type {
  Change,
  ChangeType,
  CompareInput,
  EngineOptions,
  IgnoredChange,
  KubeObject,
  ManagedFieldsEntry,
  ResourceResult,
  UnownedBaseline,
} from "./types.js";

interface Compiled {
  owners: OwnerQuery;
  severity: SeverityPolicy;
  secretKey: string;
}

// Options objects are usually reused for every object of a run: compile their matchers once. Callers that make a
// new options object per call still share the compiled parts, which are keyed by the rule lists themselves.
const compiledOptions = new WeakMap<EngineOptions, Compiled>();
function compile(options: EngineOptions): Compiled {
  let c = compiledOptions.get(options);
  if (c === undefined) {
    c = {
      owners: {
        imperative: nameMatcher(options.imperativeManagers ?? IMPERATIVE_MANAGERS),
        own: nameMatcher(options.ownManagers ?? OWN_MANAGERS),
      },
      severity: severityPolicy(options.severityRules),
      secretKey: options.secretHashKey ?? DEFAULT_SECRET_HASH_KEY,
    };
    compiledOptions.set(options, c);
  }
  return c;
}

const nameMatchers = new WeakMap<readonly string[], NameMatcher>();
function nameMatcher(globs: readonly string[]): NameMatcher {
  let m = nameMatchers.get(globs);
  if (m === undefined) {
    m = new NameMatcher(globs);
    nameMatchers.set(globs, m);
  }
  return m;
}

const RESTART_MARKER = "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt";

export function compareResource(input: CompareInput, options: EngineOptions): ResourceResult {
  const { desired, live } = input;
  const base = { ref: desired.ref, source: desired.source };
  if (live === undefined || live === null) {
    return { ...base, status: "Missing", severity: "critical", changes: [], ignored: [] };
  }
  const c = compile(options);
  const obj = desired.object;
  const group = groupOf(obj.apiVersion);
  const { crdSchema, publishedSchema } = input.context;
  const schema = crdSchema
    ? schemaFromCrd(crdSchema)
    : withPublished(schemaFor(obj.apiVersion, obj.kind), publishedSchema);
  const server = options.mode === "server";

  let d: unknown = normalizeDesired(obj);
  if (server && input.serverApplied !== undefined) d = projectDeclared(d, input.serverApplied, schema);

  const walk = new Walk(
    c,
    live.metadata?.managedFields,
    server ? input.serverDefaulted : undefined,
    { secret: obj.kind === "Secret" && group === "", configMap: obj.kind === "ConfigMap" && group === "" },
    input.baseline,
    input.onUnowned !== undefined,
    server && input.serverDefaulted === undefined ? input.onDefaultsNeeded : undefined,
  );
  walk.value(d, live, schema, server ? input.serverDefaulted : undefined);
  input.onUnowned?.(Object.fromEntries(walk.unowned.map((u) => [u.field, u.value])));

  // Differences that exist but are not drift: autoscaled replicas, the rollout-restart marker, ignore rules.
  const ignored: IgnoredChange[] = [];
  const hpa = SCALABLE_KINDS.has(`${group}/${obj.kind}`) ? autoscalerOf(live, input.context.hpas) : undefined;
  const global = compileIgnoreRules(options.ignoreRules);
  const own = annotationRules(obj);
  const rules = rulesFor(own.length === 0 ? global : [...global, ...own], obj, group);
  const changes: Change[] = [];
  let severity: ResourceResult["severity"] = null;
  for (const ch of walk.changes) {
    let reason: string | undefined;
    if (hpa !== undefined && ch.path === "/spec/replicas") {
      reason = autoscaled(hpa);
    } else if (ch.path === RESTART_MARKER) reason = "restart marker written by kubectl rollout restart";
    else reason = ignoreReason(rules, ch);
    if (reason !== undefined) {
      ignored.push({ path: ch.path, reason });
      continue;
    }
    ch.severity = c.severity.of(obj.kind, ch.path, ch.type === "removed" ? ch.desired : ch.live);
    severity = worseSeverity(severity, ch.severity);
    changes.push(ch);
  }
  if (hpa !== undefined && !ignored.some((i) => i.path === "/spec/replicas")) {
    // Replicas the autoscaler moved while the walk saw no drift (a controller owns them): still say so.
    const lr = (live.spec as { replicas?: unknown } | undefined)?.replicas;
    const dr = (obj.spec as { replicas?: unknown } | undefined)?.replicas ?? 1;
    if (lr !== undefined && lr !== dr) ignored.push({ path: "/spec/replicas", reason: autoscaled(hpa) });
  }
  return { ...base, status: changes.length > 0 ? "Drifted" : "InSync", severity, changes, ignored };
}

const autoscaled = (hpa: KubeObject) => `autoscaled by HorizontalPodAutoscaler/${hpa.metadata.name}`;

class Walk {
  readonly path = new PathStack();
  readonly changes: Change[] = [];
  /** The object has no managedFields at all: no write to it was attributed, so ownership cannot clear anything. */
  private readonly untracked: boolean;
  /** The live maps enclosing the current position, for defaults that depend on them. */
  private readonly parents: Json[] = [];
  /** Unowned live-only values that are not drift (the next baseline); `carried`: a baseline value kept because the
   * live one differs (so the drift stays drift until the value comes back). */
  readonly unowned: Array<{ field: string; value: unknown; carried: boolean }> = [];

  constructor(
    private readonly c: Compiled,
    private readonly managedFields: ManagedFieldsEntry[] | undefined,
    /** Server mode: the dry-run create result; a live-only value equal to its counterpart here is a default. */
    private readonly defaulted: KubeObject | undefined,
    private readonly sensitive: SensitiveKind,
    private readonly baseline: UnownedBaseline | undefined,
    /** Whether the caller keeps this observation's unowned values (else they are not rendered). */
    private readonly collect: boolean,
    /** Server mode without `defaulted`: told when a live-only value is reached (where `defaulted` would be read). */
    private readonly needDefaults: (() => void) | undefined,
  ) {
    this.untracked = managedFields === undefined || managedFields.length === 0;
  }

  /** Both sides hold a value. `sd` is the server-defaulted counterpart (server mode), if any. */
  value(d: unknown, l: unknown, node: SchemaNode | undefined, sd: unknown): void {
    if (node?.skip) return;
    if (isPlainObject(d) && isPlainObject(l)) {
      this.map(d, l, node, sd);
      return;
    }
    if (Array.isArray(d) && Array.isArray(l)) {
      this.list(d, l, node, sd);
      return;
    }
    if (d === l || leafEqual(d, l, node)) return;
    if (isEmpty(d) && isEmpty(l)) return;
    this.record("changed", d, l);
  }

  private map(d: Json, l: Json, node: SchemaNode | undefined, sd: unknown): void {
    const fields = node?.fields;
    const only = node?.onlyFields === true;
    const skipKeys = node?.skipKeys;
    const sdMap = isPlainObject(sd) ? sd : undefined;
    this.parents.push(l);
    for (const k in d) {
      const dv = d[k];
      if (dv === undefined || dv === null) continue;
      const child = fields?.[k] ?? (only ? undefined : node?.anyField);
      if ((only && child === undefined) || child?.skip || skipKeys?.has(k)) continue;
      const lv = l[k];
      this.path.pushKey(k);
      if (lv === undefined || lv === null) {
        if (!isEmpty(dv) && !(isZeroScalar(dv) && !child?.zeroMeaningful)) this.record("removed", dv, undefined);
      } else this.value(dv, lv, child, sdMap?.[k]);
      this.path.pop();
    }
    for (const k in l) {
      const dv = d[k];
      if (dv !== undefined && dv !== null) continue;
      const child = fields?.[k] ?? (only ? undefined : node?.anyField);
      if ((only && child === undefined) || child?.skip || skipKeys?.has(k) || node?.allocatedKeys?.has(k)) continue;
      this.path.pushKey(k);
      this.liveOnly(l[k], child, sdMap?.[k], l);
      this.path.pop();
    }
    this.parents.pop();
  }

  private list(d: unknown[], l: unknown[], node: SchemaNode | undefined, sd: unknown): void {
    const key = listKeyOf(node, d, l);
    const sdList = Array.isArray(sd) ? sd : undefined;
    const item = node?.item;
    if (key === undefined) {
      // Atomic or positional: the same length is compared item by item, anything else as one value.
      if (d.length !== l.length) {
        this.record("changed", d, l);
        return;
      }
      for (let i = 0; i < d.length; i++) {
        if (d[i] === l[i]) continue;
        this.path.pushItem(l[i], i, undefined);
        if (d[i] === null || d[i] === undefined) this.record("changed", d[i], l[i]);
        else this.value(d[i], l[i], item, sdList?.[i]);
        this.path.pop();
      }
      return;
    }
    const taken = new Uint8Array(l.length);
    for (let i = 0; i < d.length; i++) {
      const di = d[i];
      if (di === null || di === undefined) continue;
      const j = findByKey(l, di, key, taken);
      if (j < 0) {
        this.path.pushItem(di, i, key.fields, key.defaults);
        this.record("removed", di, undefined);
      } else {
        taken[j] = 1;
        this.path.pushItem(l[j], j, key.fields, key.defaults);
        this.value(di, l[j], item, sdList === undefined ? undefined : sdItem(sdList, l[j], key));
      }
      this.path.pop();
    }
    for (let j = 0; j < l.length; j++) {
      if (taken[j] === 1) continue;
      this.path.pushItem(l[j], j, key.fields, key.defaults);
      this.liveOnlyItem(l[j], item, sdList === undefined ? undefined : sdItem(sdList, l[j], key));
      this.path.pop();
    }
  }

  /** A value only live has. Drift where an imperative manager wrote something that is not a default. */
  private liveOnly(lv: unknown, node: SchemaNode | undefined, sd: unknown, parent: Json): void {
    if (lv === undefined || lv === null || node?.skip || node?.allocated) return;
    this.needDefaults?.();
    if (isPlainObject(lv)) {
      if (isEmpty(lv)) return; // an empty map configures nothing
      if (this.isDefault(lv, node, sd, parent)) return;
      const fields = node?.fields;
      const only = node?.onlyFields === true;
      const sdMap = isPlainObject(sd) ? sd : undefined;
      this.parents.push(lv);
      for (const k in lv) {
        const child = fields?.[k] ?? (only ? undefined : node?.anyField);
        if ((only && child === undefined) || node?.skipKeys?.has(k) || node?.allocatedKeys?.has(k)) continue;
        this.path.pushKey(k);
        this.liveOnly(lv[k], child, sdMap?.[k], lv);
        this.path.pop();
      }
      this.parents.pop();
      return;
    }
    if (Array.isArray(lv)) {
      if (lv.length === 0) return;
      const key = listKeyOf(node, [], lv);
      if (key !== undefined) {
        const sdList = Array.isArray(sd) ? sd : undefined;
        for (let j = 0; j < lv.length; j++) {
          this.path.pushItem(lv[j], j, key.fields, key.defaults);
          this.liveOnlyItem(lv[j], node?.item, sdList === undefined ? undefined : sdItem(sdList, lv[j], key));
          this.path.pop();
        }
        return;
      }
    }
    const dflt = this.defaultAt(node, sd, parent);
    if (dflt !== undefined && deepEqual(dflt, lv, node)) return;
    const owner = culprit(this.managedFields, this.path.segs, this.c.owners);
    if (owner !== null) {
      if (this.c.owners.imperative.matches(owner.manager ?? "")) this.record("added", undefined, lv, owner);
      return;
    }
    this.unownedValue(lv, node, parent);
  }

  /**
   * A live-only value nobody owns: drift when it is not what the cluster held at the last observation (the
   * baseline), or, without one, not what the server would hold after delivering desired — a write the cluster did
   * not record an owner for (`kubectl scale` through /scale, a label on an object without managedFields).
   * Without a baseline only a fixed, non-zero default counts: a dry-run create differs from live in what the server
   * generates per object, and a published zero ("" for any label value) is the type's zero, not a server's value.
   */
  private unownedValue(lv: unknown, node: SchemaNode | undefined, parent: Json): void {
    const base = this.baseline;
    const known = this.knownDefault(node, parent);
    const fixedDefault = known !== undefined && !isZeroScalar(known) && !isEmpty(known);
    if (base === undefined && !this.collect) {
      if (this.untracked || fixedDefault) this.record("added", undefined, lv, null);
      return;
    }
    const field = this.path.fieldString();
    // Kept in the store as the baseline: masked as a change would be.
    const seen = maskSensitive(this.sensitive, this.path.segs, lv, (leaf) => maskScalar(leaf, this.c.secretKey));
    if (base !== undefined && Object.hasOwn(base.values, field)) {
      const was = base.values[field];
      if (deepEqual(was, seen, node)) {
        this.unowned.push({ field, value: seen, carried: false });
      } else {
        this.unowned.push({ field, value: was, carried: true });
        this.record("added", undefined, lv, null);
      }
      return;
    }
    if (base?.sameDelivery === true || this.untracked || fixedDefault) this.record("added", undefined, lv, null);
    else this.unowned.push({ field, value: seen, carried: false });
  }

  /** A list item only live has: one change for the whole item when anything in it is drift. */
  private liveOnlyItem(item: unknown, node: SchemaNode | undefined, sd: unknown): void {
    if (item === null || item === undefined) return;
    this.needDefaults?.();
    if (!isPlainObject(item)) {
      this.liveOnly(item, node, sd, {});
      return;
    }
    if (this.defaulted !== undefined && sd !== undefined && deepEqual(sd, item, node)) return;
    const mark = this.changes.length;
    const unownedMark = this.unowned.length;
    this.liveOnly(item, node, sd, {});
    if (this.changes.length > mark) {
      this.changes.length = mark;
      // Nothing inside a drifting item becomes baseline, except baseline values carried over.
      const carried = this.unowned.slice(unownedMark).filter((u) => u.carried);
      this.unowned.length = unownedMark;
      this.unowned.push(...carried);
      this.record("added", undefined, item, culprit(this.managedFields, this.path.segs, this.c.owners));
    }
  }

  private isDefault(lv: unknown, node: SchemaNode | undefined, sd: unknown, parent: Json): boolean {
    const dflt = this.defaultAt(node, sd, parent);
    return dflt !== undefined && deepEqual(dflt, lv, node);
  }

  /**
   * What the server holds here on an object made from desired alone: the dry-run create's value (server mode), else
   * the sibling a deprecated alias copies or the kind's known default. undefined when none is known.
   */
  private defaultAt(node: SchemaNode | undefined, sd: unknown, parent: Json): unknown {
    if (this.defaulted !== undefined && sd !== undefined) return sd;
    return this.knownDefault(node, parent);
  }

  private knownDefault(node: SchemaNode | undefined, parent: Json): unknown {
    if (node?.aliasOf !== undefined && parent[node.aliasOf] !== undefined) return parent[node.aliasOf];
    const def = node?.dflt;
    if (def === undefined || !isDefaultFn(def)) return def;
    const segs = this.path.segs;
    const key = segs[segs.length - 1];
    const n = this.parents.length;
    // parents ends with `parent` itself when it is a map we descended into (not for list items).
    const grandparent = n > 0 && this.parents[n - 1] === parent ? this.parents[n - 2] : this.parents[n - 1];
    return def.fn(parent, typeof key === "string" ? key : "", grandparent);
  }

  private record(type: ChangeType, desired: unknown, live: unknown, owner?: ManagedFieldsEntry | null): void {
    const segs = this.path.segs;
    const by =
      type === "removed"
        ? null
        : attribution(owner !== undefined ? owner : culprit(this.managedFields, segs, this.c.owners));
    // A leaf secret on either side is masked on both: the other side's value would tell what it was changed from.
    const both =
      typeof desired !== "object" &&
      typeof live !== "object" &&
      (isSensitiveLeaf(this.sensitive, segs, desired) || isSensitiveLeaf(this.sensitive, segs, live));
    let masked = false;
    const mask = (leaf: unknown) => {
      masked = true;
      return maskScalar(leaf, this.c.secretKey);
    };
    const hide = (v: unknown) => (both ? mask(v) : maskSensitive(this.sensitive, segs, v, mask));
    const shownDesired = type !== "added" ? hide(desired) : undefined;
    const shownLive = type !== "removed" ? hide(live) : undefined;
    const change: Change = {
      path: this.path.pointer(),
      field: this.path.fieldString(),
      type,
      masked,
      severity: "medium",
      by,
    };
    if (type !== "added") change.desired = shownDesired;
    if (type !== "removed") change.live = shownLive;
    this.changes.push(change);
  }
}

function sdItem(list: readonly unknown[], item: unknown, key: ListKey): unknown {
  const j = findByKey(list, item, key);
  return j < 0 ? undefined : list[j];
}

function leafEqual(d: unknown, l: unknown, node: SchemaNode | undefined): boolean {
  if (node?.quantity) return quantitiesEqual(d, l);
  return false;
}

/** Structural equality with quantity awareness where the schema says so. Used on small values only. */
export function deepEqual(a: unknown, b: unknown, node: SchemaNode | undefined): boolean {
  if (a === b) return true;
  if (node?.quantity) return quantitiesEqual(a, b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], node?.item)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Json;
  const bo = b as Json;
  let n = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    n++;
    if (!deepEqual(ao[k], bo[k], node?.fields?.[k] ?? node?.anyField)) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}
