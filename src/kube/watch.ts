// One watch request as a stream of events. client-node's Watch aborts after 30 s without data, which would
// re-open every quiet watch twice a minute; here the server ends the watch (timeoutSeconds) and the client only
// guards against a dead connection.

import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { type KubeConfig, RequestContext } from "@kubernetes/client-node";
import { type Dispatcher, fetch } from "undici";
import type { KubeObject } from "../drift/types.js";
import { KubeApiError } from "./errors.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

/** The resourceVersion we asked for is older than the apiserver keeps: list again. */
export class WatchExpiredError extends Error {
  override readonly name = "WatchExpiredError";
}

export interface WatchOptions {
  resourceVersion: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Server ends the watch after this long; the caller resumes from the last resourceVersion. */
  timeoutSeconds: number;
  signal: AbortSignal;
  /** Called once the apiserver accepted the watch (200): the stream is live. */
  onOpen?: () => void;
}

/** Runs one watch to its end. Resolves when the server closes it; rejects on errors (WatchExpiredError on 410). */
export async function watchOnce(
  kc: KubeConfig,
  path: string,
  opts: WatchOptions,
  onEvent: (ev: WatchEvent) => void,
): Promise<void> {
  const server = kc.getCurrentCluster()?.server?.replace(/\/+$/, "");
  if (!server) throw new Error("the kubeconfig context names no cluster server");
  const url = new URL(server + path);
  url.searchParams.set("watch", "true");
  url.searchParams.set("allowWatchBookmarks", "true");
  url.searchParams.set("resourceVersion", opts.resourceVersion);
  url.searchParams.set("timeoutSeconds", String(opts.timeoutSeconds));
  if (opts.fieldSelector) url.searchParams.set("fieldSelector", opts.fieldSelector);
  if (opts.labelSelector) url.searchParams.set("labelSelector", opts.labelSelector);
  const ctx = new RequestContext(url.toString(), "GET" as never);
  await kc.applySecurityAuthentication(ctx);
  const dispatcher = ctx.getDispatcher() as Dispatcher | undefined;
  const controller = new AbortController();
  const abort = () => controller.abort();
  opts.signal.addEventListener("abort", abort, { once: true });
  if (opts.signal.aborted) abort(); // stopped while the credentials were read: the listener above never fires
  // A connection that stays silent well past the server's own timeout is dead (no FIN seen): give up on it.
  const guard = setTimeout(abort, (opts.timeoutSeconds + 30) * 1000);
  guard.unref();
  let body: Readable | undefined;
  try {
    const res = await fetch(url, {
      headers: { ...(ctx.getHeaders() as Record<string, string>), accept: "application/json" },
      dispatcher: dispatcher as never,
      signal: controller.signal,
    });
    if (res.status === 410) throw new WatchExpiredError(`watch ${path}: resourceVersion too old`);
    if (res.status !== 200 || !res.body) {
      const text = await res.text().catch(() => "");
      throw new KubeApiError(res.status, `HTTP ${res.status}`, `watch ${path}: ${text.slice(0, 200)}`);
    }
    opts.onOpen?.();
    body = Readable.fromWeb(res.body as never);
    // Stream errors reach us through the line iterator; once we stop reading (a 410 ERROR event, the abort below)
    // an error emitted later must find a listener, or it would be an uncaught exception.
    body.on("error", () => {});
    const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (!line) continue;
      const ev = JSON.parse(line) as WatchEvent;
      if (ev.type === "ERROR") {
        if (ev.object?.code === 410) throw new WatchExpiredError(`watch ${path}: ${ev.object.message ?? "expired"}`);
        throw new KubeApiError(
          ev.object?.code ?? 500,
          ev.object?.reason ?? "Error",
          ev.object?.message ?? "watch error",
        );
      }
      onEvent(ev);
    }
  } catch (err) {
    if (opts.signal.aborted) return;
    throw err;
  } finally {
    clearTimeout(guard);
    opts.signal.removeEventListener("abort", abort);
    body?.destroy();
    controller.abort();
    await dispatcher?.destroy().catch(() => {});
  }
}
