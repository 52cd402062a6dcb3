// A fleet of objects for the service benchmarks: N objects spread over namespaces of at most PER_NAMESPACE, mostly
// ConfigMaps of about 1 KB, with a few Deployments (replicas 0: no Pods, yet a controller writes their status) and
// ServiceAccounts. Applied by parallel server-side applies, and written as the desired state a directory source
// reads (one YAML file per namespace). Applying is idempotent: a fleet left in place by `--keep` is counted, not
// applied again.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeObject } from "../src/drift/types.js";
import type { KubeClient } from "../src/kube/client.js";
import { KubeApiError } from "../src/kube/errors.js";
import { mapLimit } from "../src/lib/concurrency.js";

export const PER_NAMESPACE = 5000;
const FIELD_MANAGER = "bench-fleet";
// 40 appliers in flight: enough to keep the apiserver and etcd busy on two cores without queueing past its limits.
const APPLY_CONCURRENCY = 40;

interface Kind {
  apiVersion: string;
  kind: string;
  /** The collection under /api or /apis, namespaced. */
  path: (ns: string) => string;
}

const CONFIGMAP: Kind = { apiVersion: "v1", kind: "ConfigMap", path: (ns) => `/api/v1/namespaces/${ns}/configmaps` };
const DEPLOYMENT: Kind = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
};
const SERVICE_ACCOUNT: Kind = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  path: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
};

export interface FleetObject {
  kind: Kind;
  object: KubeObject;
}

export interface Fleet {
  namespaces: string[];
  objects: FleetObject[];
  /** The ConfigMaps, for changes by hand. */
  configMaps: FleetObject[];
}

// About 1 KB of data per ConfigMap, different per object (etcd compresses nothing; neither may we).
function configData(i: number): Record<string, string> {
  const data: Record<string, string> = {};
  for (let k = 0; k < 8; k++) data[`key-${k}`] = `${i}-${k}-`.padEnd(110, "abcdefghijklmnopqrstuvwxyz0123456789");
  return data;
}

function deployment(name: string, namespace: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "app", image: "registry.example/app:1.0", ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

/** The fleet of `n` objects, named by `prefix` (namespaces `${prefix}-0`, `${prefix}-1`, …). */
export function fleet(n: number, prefix: string): Fleet {
  const objects: FleetObject[] = [];
  const namespaces: string[] = [];
  for (let i = 0; i < n; i++) {
    const namespace = `${prefix}-${Math.floor(i / PER_NAMESPACE)}`;
    if (i % PER_NAMESPACE === 0) namespaces.push(namespace);
    // One in 40 a Deployment, one in 40 a ServiceAccount, the rest ConfigMaps.
    if (i % 40 === 7) objects.push({ kind: DEPLOYMENT, object: deployment(`deploy-${i}`, namespace) });
    else if (i % 40 === 23) {
      const object = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: `sa-${i}`, namespace } };
      objects.push({ kind: SERVICE_ACCOUNT, object });
    } else {
      const object = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `cm-${i}`, namespace, labels: { fleet: prefix } },
        data: configData(i),
      };
      objects.push({ kind: CONFIGMAP, object });
    }
  }
  return { namespaces, objects, configMaps: objects.filter((o) => o.kind === CONFIGMAP) };
}

/** Server-side applies one object as the fleet's manager (force: it takes back fields a hand change took). */
export async function applyOne(client: KubeClient, o: FleetObject): Promise<void> {
  const { namespace, name } = o.object.metadata;
  await client.request({
    method: "PATCH",
    path: `${o.kind.path(namespace!)}/${name}`,
    query: { fieldManager: FIELD_MANAGER, force: true },
    body: o.object,
    contentType: "application/apply-patch+yaml",
  });
}

/** Objects of a kind in a namespace, from one LIST of one item (the apiserver counts the rest). */
async function count(client: KubeClient, kind: Kind, namespace: string): Promise<number> {
  const res = await client.request({ method: "GET", path: kind.path(namespace), query: { limit: 1 } });
  const body = res.body as { items?: unknown[]; metadata?: { remainingItemCount?: number } };
  return (body.items?.length ?? 0) + (body.metadata?.remainingItemCount ?? 0);
}

/**
 * Makes the namespaces and applies every object, skipping a namespace whose objects are all there already (of the
 * fleet's shape: counted per kind). Returns the objects applied.
 */
export async function applyFleet(client: KubeClient, f: Fleet, log: (line: string) => void): Promise<number> {
  const todo: FleetObject[] = [];
  for (const namespace of f.namespaces) {
    await createNamespace(client, namespace);
    const mine = f.objects.filter((o) => o.object.metadata.namespace === namespace);
    const complete = await Promise.all(
      [CONFIGMAP, DEPLOYMENT, SERVICE_ACCOUNT].map(async (kind) => {
        const want = mine.filter((o) => o.kind === kind).length;
        // Not the fleet's: each namespace's ServiceAccount `default` and ConfigMap `kube-root-ca.crt`.
        const extra = kind === DEPLOYMENT ? 0 : 1;
        const have = await count(client, kind, namespace);
        return have >= want && have <= want + extra;
      }),
    );
    if (!complete.every(Boolean)) todo.push(...mine);
  }
  let done = 0;
  const t0 = performance.now();
  await mapLimit(todo, APPLY_CONCURRENCY, async (o) => {
    await applyOne(client, o);
    if (++done % 10_000 === 0)
      log(`applied ${done}/${todo.length} (${Math.round(done / ((performance.now() - t0) / 1000))}/s)`);
  });
  return todo.length;
}

/** Creates a namespace, first waiting out an earlier one of that name still terminating. */
async function createNamespace(client: KubeClient, name: string): Promise<void> {
  for (;;) {
    const res = await client.request({ method: "GET", path: `/api/v1/namespaces/${name}` }).catch((err) => {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    });
    const phase = (res?.body as { status?: { phase?: string } } | undefined)?.status?.phase;
    if (phase === "Active") return;
    if (phase === undefined) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await client.request({
    method: "POST",
    path: "/api/v1/namespaces",
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
  });
}

/** Writes the desired state of the fleet as a user would: one YAML file per namespace under `dir`. */
export function writeDesired(f: Fleet, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const byNamespace = new Map<string, string[]>();
  for (const o of f.objects) {
    const ns = o.object.metadata.namespace!;
    if (!byNamespace.has(ns)) byNamespace.set(ns, []);
    byNamespace.get(ns)!.push(stringify(o.object));
  }
  for (const [ns, docs] of byNamespace) writeFileSync(join(dir, `${ns}.yaml`), docs.join("---\n"));
}

/** Deletes the fleet's namespaces (the apiserver finishes in the background). */
export async function deleteFleet(client: KubeClient, f: Fleet): Promise<void> {
  for (const namespace of f.namespaces)
    await client.request({ method: "DELETE", path: `/api/v1/namespaces/${namespace}` }).catch(() => undefined);
}
