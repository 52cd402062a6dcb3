// The live objects the desired state refers to, kept current by list + watch: one informer per kind and namespace
// (cluster-wide for cluster-scoped kinds), plus the HorizontalPodAutoscalers of those namespaces (they decide
// whether `spec.replicas` differences are drift). Only desired objects are kept, so memory follows the desired
// state, not the cluster's size.

import type { Logger } from "pino";
import type { DesiredObject, KubeObject, ObjectRef } from "../drift/types.js";
import { Semaphore } from "../lib/concurrency.js";
import { errorMessage } from "../lib/errors.js";
import { untilAborted } from "../lib/sleep.js";
import type { KubeClient } from "./client.js";
import type { Discovery, ResourceInfo } from "./discovery.js";
import { Informer, type InformerStats } from "./informer.js";

export const HPA_API_VERSION = "autoscaling/v2";
export const HPA_KIND = "HorizontalPodAutoscaler";

/** Stable identity of an object across the service: `apps/v1|Deployment|qa|backend`. */
export function objectKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;
}

export interface LiveViewOptions {
  client: KubeClient;
  discovery: Discovery;
  logger: Logger;
  /** Namespace of namespaced desired objects that name none (the context's, else `default`). */
  defaultNamespace?: string;
  /**
   * A desired object's live counterpart changed relevantly (or an HPA in its namespace changed). `initial`: found by
   * its watch's first list.
   */
  onChange: (key: string, ref: ObjectRef, initial: boolean) => void;
  onSyncChange?: (synced: boolean) => void;
  watchTimeoutSeconds?: number;
}

// Collections listed at once (Argo CD lists at most 50, 500 objects a page): bounds the pages in flight and the
// apiserver's work, and lets the first collections finish (and be compared) while the others wait.
const LIST_CONCURRENCY = 8;

interface Target {
  key: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  /** undefined: keep all (HPAs). */
  names?: Set<string>;
}

interface Watched {
  target: Target;
  info: ResourceInfo;
  informer: Informer;
}

export class LiveView {
  private readonly watched = new Map<string, Watched>();
  private readonly listSlots = new Semaphore(LIST_CONCURRENCY);
  /** Desired kinds the cluster does not serve, by target key: their objects become Error results. */
  readonly unresolved = new Map<string, string>();
  private synced = false;
  /** `apiVersion|kind` of the desired objects (the HPAs watched beside them are not). */
  private desiredKinds = new Set<string>();
  /** Bumped by stop(): a setDesired() still awaiting discovery then starts nothing. */
  private generation = 0;
  /** Counters of the informers stopped so far. */
  private readonly retired: InformerStats = {
    lists: 0,
    watches: 0,
    relists410: 0,
    restarts: 0,
    eventsReceived: 0,
    eventsDropped: 0,
  };

  constructor(private readonly opts: LiveViewOptions) {}

  /** Consistent with the apiserver: every informer listed and watching. */
  get isSynced(): boolean {
    return this.synced;
  }

  namespaceOf(ref: ObjectRef, info?: ResourceInfo): string | undefined {
    if (info && !info.namespaced) return undefined;
    return ref.namespace ?? this.opts.defaultNamespace ?? "default";
  }

  /** Watches exactly what `desired` needs; starts, narrows or stops informers. Resolves once all listed. */
  async setDesired(desired: readonly DesiredObject[]): Promise<void> {
    // A stop() during one of the discovery awaits below ends this call: informers started after it would run on.
    const generation = this.generation;
    const targets = new Map<string, Target>();
    const namespaces = new Set<string>();
    for (const d of desired) {
      let info: ResourceInfo;
      try {
        info = await this.opts.discovery.resolve(d.ref.apiVersion, d.ref.kind);
      } catch (err) {
        this.unresolved.set(`${d.ref.apiVersion}|${d.ref.kind}`, errorMessage(err));
        continue;
      }
      this.unresolved.delete(`${d.ref.apiVersion}|${d.ref.kind}`);
      const namespace = this.namespaceOf(d.ref, info);
      if (namespace) namespaces.add(namespace);
      // Secrets may be granted by name only (`rbac`): one watch per name (fieldSelector), which such a Role allows.
      const one = d.ref.apiVersion === "v1" && d.ref.kind === "Secret" ? `|${d.ref.name}` : "";
      const key = `${d.ref.apiVersion}|${d.ref.kind}|${namespace ?? ""}${one}`;
      let t = targets.get(key);
      if (!t) {
        t = { key, apiVersion: d.ref.apiVersion, kind: d.ref.kind, namespace, names: new Set() };
        targets.set(key, t);
      }
      t.names?.add(d.ref.name);
    }
    this.desiredKinds = new Set(desired.map((d) => `${d.ref.apiVersion}|${d.ref.kind}`));
    // The HPAs first: a detection reads them before any object of their namespace (and they are few).
    const hpas = new Map<string, Target>();
    for (const ns of namespaces) {
      const key = `${HPA_API_VERSION}|${HPA_KIND}|${ns}`;
      // A desired HPA is kept with all the others of its namespace.
      hpas.set(key, { key, apiVersion: HPA_API_VERSION, kind: HPA_KIND, namespace: ns });
      targets.delete(key);
    }

    for (const [key, w] of this.watched) {
      if (!targets.has(key) && !hpas.has(key)) {
        this.watched.delete(key);
        this.retire(w.informer.stats);
        await w.informer.stop();
      }
    }
    for (const t of [...hpas.values(), ...targets.values()]) {
      const existing = this.watched.get(t.key);
      if (existing) {
        existing.target = t;
        existing.informer.setNames(t.names);
        continue;
      }
      let info: ResourceInfo;
      try {
        info = await this.opts.discovery.resolve(t.apiVersion, t.kind);
      } catch (err) {
        this.opts.logger.warn({ kind: t.kind, err: errorMessage(err) }, "cannot watch kind");
        continue;
      }
      if (generation !== this.generation) return;
      const w: Watched = { target: t, info, informer: undefined as unknown as Informer };
      w.informer = new Informer({
        client: this.opts.client,
        info,
        namespace: t.namespace,
        names: t.names,
        logger: this.opts.logger,
        watchTimeoutSeconds: this.opts.watchTimeoutSeconds,
        listSlots: this.listSlots,
        onChange: (_obj, name, initial) => this.changed(w, name, initial),
        onSyncChange: () => this.updateSynced(),
      });
      this.watched.set(t.key, w);
      w.informer.start();
    }
    this.updateSynced();
  }

  /** Resolves when every informer listed once (the first full detection waits for this). */
  async whenSynced(signal?: AbortSignal): Promise<void> {
    await untilAborted(Promise.all([...this.watched.values()].map((w) => w.informer.whenSynced())).then(), signal);
  }

  /**
   * Resolves once the collection `ref` is read from has been listed (at once when it is not watched: the caller then
   * reads from the apiserver). A first detection reads each collection as soon as it is listed.
   */
  async whenListed(ref: ObjectRef, signal?: AbortSignal): Promise<void> {
    const w = this.watchedFor(ref);
    if (w) await untilAborted(w.informer.whenSynced(), signal);
  }

  private changed(w: Watched, name: string, initial: boolean): void {
    const t = w.target;
    if (t.kind === HPA_KIND && t.apiVersion === HPA_API_VERSION && !t.names) {
      // An HPA appearing or going changes which replicas differences count: re-detect its scale target.
      const hpa = w.informer.get(name);
      const target = (hpa?.spec as { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } })
        ?.scaleTargetRef;
      for (const [, other] of this.watched) {
        if (other.target.namespace !== t.namespace || !other.target.names) continue;
        for (const n of other.target.names) {
          if (target && (target.kind !== other.target.kind || target.name !== n)) continue;
          const ref = { apiVersion: other.target.apiVersion, kind: other.target.kind, namespace: t.namespace, name: n };
          this.opts.onChange(objectKey(ref), ref, initial);
        }
      }
      const self = { apiVersion: t.apiVersion, kind: t.kind, namespace: t.namespace, name };
      this.opts.onChange(objectKey(self), self, initial);
      return;
    }
    const ref: ObjectRef = { apiVersion: t.apiVersion, kind: t.kind, name };
    if (t.namespace) ref.namespace = t.namespace;
    this.opts.onChange(objectKey(ref), ref, initial);
  }

  private updateSynced(): void {
    const synced = [...this.watched.values()].every((w) => w.informer.isSynced);
    if (synced !== this.synced) {
      this.synced = synced;
      this.opts.onSyncChange?.(synced);
    }
  }

  /** The key under which `ref`'s changes are reported (namespace defaulted as the watch does). */
  keyFor(ref: ObjectRef): string {
    const w = this.watchedFor(ref);
    return objectKey({ ...ref, namespace: w ? w.target.namespace : ref.namespace });
  }

  private watchedFor(ref: ObjectRef): Watched | undefined {
    for (const ns of [ref.namespace ?? this.opts.defaultNamespace ?? "default", ""]) {
      const kind = `${ref.apiVersion}|${ref.kind}|${ns}`;
      const w = this.watched.get(kind) ?? this.watched.get(`${kind}|${ref.name}`);
      if (w) return w;
    }
    return undefined;
  }

  /**
   * The live object for a desired ref: the object, null when it does not exist, undefined when this view does not
   * know (kind not watched or not yet listed; the caller then reads from the apiserver).
   */
  get(ref: ObjectRef): KubeObject | null | undefined {
    const w = this.watchedFor(ref);
    if (!w?.informer.isSynced) return undefined;
    if (w.target.names && !w.target.names.has(ref.name)) return undefined;
    return w.informer.get(ref.name) ?? null;
  }

  /** HPAs of a namespace (undefined when that namespace's HPAs are not watched). */
  hpas(namespace: string): KubeObject[] | undefined {
    const w = this.watched.get(`${HPA_API_VERSION}|${HPA_KIND}|${namespace}`);
    if (!w?.informer.isSynced) return undefined;
    return w.informer.values();
  }

  private retire(stats: InformerStats): void {
    for (const k of Object.keys(stats) as Array<keyof InformerStats>) this.retired[k] += stats[k];
  }

  /** The desired kinds watched (each once) and the namespaces they are watched in: what the admission webhook is sent. */
  watchedScope(): { resources: ResourceInfo[]; namespaces: string[] } {
    const resources = new Map<string, ResourceInfo>();
    const namespaces = new Set<string>();
    for (const w of this.watched.values()) {
      if (!this.desiredKinds.has(`${w.target.apiVersion}|${w.target.kind}`)) continue;
      resources.set(`${w.info.apiVersion}|${w.info.plural}`, w.info);
      if (w.target.namespace) namespaces.add(w.target.namespace);
      if (w.info.group === "" && w.info.kind === "Namespace") for (const n of w.target.names ?? []) namespaces.add(n);
    }
    return { resources: [...resources.values()], namespaces: [...namespaces].sort() };
  }

  /** Each watch (kind and namespace) with its informer: the watchdog's and the watch-age metric's view. */
  *watches(): Iterable<{ watch: string; informer: Informer }> {
    for (const w of this.watched.values()) yield { watch: w.target.key, informer: w.informer };
  }

  /** Sums of the informers' counters (stopped ones included: they feed counters), for metrics and benchmarks. */
  stats(): InformerStats & { informers: number; objects: number } {
    const sum = { ...this.retired, informers: 0, objects: 0 };
    for (const w of this.watched.values()) {
      for (const k of Object.keys(w.informer.stats) as Array<keyof InformerStats>) sum[k] += w.informer.stats[k];
      sum.informers++;
      sum.objects += w.informer.size;
    }
    return sum;
  }

  async stop(): Promise<void> {
    this.generation++;
    for (const w of this.watched.values()) this.retire(w.informer.stats);
    await Promise.all([...this.watched.values()].map((w) => w.informer.stop()));
    this.watched.clear();
  }
}
