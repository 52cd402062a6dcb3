// Reads and (dry-run) writes of single objects over the generic REST paths, for any kind discovery resolves.
import type { KubeObject } from "../drift/types.js";
import type { KubeClient } from "./client.js";
import { type ResourceInfo, resourcePath } from "./discovery.js";
import { KubeApiError } from "./errors.js";

export const APPLY_PATCH_CONTENT_TYPE = "application/apply-patch+yaml";

/** The object, or undefined when it does not exist (404). */
export async function getObject(
  client: KubeClient,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return (await client.request({ method: "GET", path: resourcePath(info, namespace, name) })).body as KubeObject;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

export interface ListOptions {
  /** Omit for all namespaces (or for cluster-scoped kinds). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the list is followed to its end. */
  pageSize?: number;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

/** All objects of a kind (paged), items completed with apiVersion and kind, which list responses leave out. */
export async function listObjects(client: KubeClient, info: ResourceInfo, opts: ListOptions = {}): Promise<ObjectList> {
  const items: KubeObject[] = [];
  const resourceVersion = await listPages(client, info, opts, (page) => {
    items.push(...page);
  });
  return { items, resourceVersion };
}

/**
 * The same list, handed over a page at a time as it arrives (a caller that keeps a part of each object never holds
 * the whole list); resolves with the list's resourceVersion.
 */
export async function listPages(
  client: KubeClient,
  info: ResourceInfo,
  opts: ListOptions,
  onPage: (items: KubeObject[]) => void,
): Promise<string> {
  let cont: string | undefined;
  let resourceVersion = "";
  do {
    const res = await client.request({
      method: "GET",
      path: resourcePath(info, opts.namespace),
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.pageSize ?? 500,
        continue: cont,
      },
    });
    const body = res.body as { items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } };
    const items = body.items ?? [];
    for (const item of items) {
      item.apiVersion = info.apiVersion;
      item.kind = info.kind;
    }
    onPage(items);
    cont = body.metadata?.continue || undefined;
    resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
  } while (cont);
  return resourceVersion;
}

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
}

/** Server-side apply (PATCH with the apply-patch content type); with dryRun nothing is persisted. */
export async function applyObject(
  client: KubeClient,
  info: ResourceInfo,
  object: KubeObject,
  opts: ApplyOptions,
): Promise<KubeObject> {
  const res = await client.request({
    method: "PATCH",
    path: resourcePath(info, object.metadata.namespace, object.metadata.name),
    query: {
      fieldManager: opts.fieldManager,
      force: opts.force ? true : undefined,
      dryRun: opts.dryRun ? "All" : undefined,
    },
    body: applyBody(object),
    contentType: APPLY_PATCH_CONTENT_TYPE,
  });
  return res.body as KubeObject;
}

/**
 * Dry-run create of the object under a generated name: what the server (defaulting, admission, CRD schema
 * defaults) would make of it, independent of the live object. Fails for kinds whose names are constrained (CRDs)
 * or whose fields must be unique (a fixed nodePort); callers treat that as "no defaults known".
 */
export async function dryRunCreate(
  client: KubeClient,
  info: ResourceInfo,
  object: KubeObject,
  fieldManager: string,
): Promise<KubeObject> {
  const body = applyBody(object);
  const { name, ...metadata } = body.metadata;
  body.metadata = { ...metadata, generateName: `${name.slice(0, 50)}-` } as unknown as KubeObject["metadata"];
  const res = await client.request({
    method: "POST",
    path: resourcePath(info, object.metadata.namespace),
    query: { dryRun: "All", fieldManager },
    body,
  });
  return res.body as KubeObject;
}

/** Deletes an object; true when it existed. */
export async function deleteObject(
  client: KubeClient,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  opts: { propagationPolicy?: "Foreground" | "Background" | "Orphan" } = {},
): Promise<boolean> {
  try {
    await client.request({
      method: "DELETE",
      path: resourcePath(info, namespace, name),
      body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: opts.propagationPolicy ?? "Background" },
    });
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return false;
    throw err;
  }
}

// Server-owned identity in a desired document (copied from a live object) would make an apply fail or conflict.
function applyBody(object: KubeObject): KubeObject {
  const { managedFields, resourceVersion, uid, creationTimestamp, generation, selfLink, ...metadata } = object.metadata;
  const { status, ...rest } = object;
  return { ...rest, metadata: { ...metadata } } as KubeObject;
}
