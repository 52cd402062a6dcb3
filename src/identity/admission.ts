// DRIFT_IDENTITY=admission (or audit): the HTTPS webhook, its certificate (generated and rotated, or read from a Secret), the
// registration in each watched cluster, and the one question the detector asks: who made this drift?

import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import { groupOf } from "../drift/defaults.js";
import type { Change, KubeObject, ObjectRef } from "../drift/types.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage } from "../lib/errors.js";
import type { Database } from "../store/database.js";
import { AdmissionServer } from "./admission-server.js";
import { WriteBuffer } from "./buffer.js";
import { generateServingCert, readCertDir, type ServingCert } from "./certs.js";
import { correlate, correlateDeletion } from "./correlate.js";
import { WebhookRegistrar } from "./registrar.js";
import { SharedWrites } from "./shared-writes.js";
import { type AdmissionWrite, type ChangedBy, objectRefKey } from "./types.js";
import type { WatchedScope } from "./webhook-config.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Writes kept for correlation: a watch event arrives within seconds, a resync within DRIFT_INTERVAL. */
const BUFFER_SIZE = 10_000;
const BUFFER_AGE_MS = 15 * 60 * 1000;
/** A write and the managedFields time of the change it explains (second precision) are this close. */
const WINDOW_MS = 5_000;
/** The apiserver sees a new caBundle through its informer, within a second or two. */
const ROTATION_GRACE_MS = 10_000;
const SERVICE_NAME = "drift-detector";
const SERVICE_PORT = 8443;

export interface AdmissionIdentityOptions {
  listen: { host: string; port: number };
  /** false: do not register the admission webhook (DRIFT_IDENTITY=audit only listens, for the audit backend). */
  register?: boolean;
  url?: string;
  certDir?: string;
  /** The store: with PostgreSQL, the writes every replica saw are shared through it. */
  db?: Database;
  /** Namespace of the detector's Service (the Lease namespace). */
  namespace: string;
  logger: Logger;
  /** Tests: a short-lived generated certificate, a faster re-registration. */
  tuning?: { certValidityMs?: number; syncEveryMs?: number; rotationGraceMs?: number };
}

export class AdmissionIdentity {
  readonly buffer = new WriteBuffer(BUFFER_SIZE, BUFFER_AGE_MS);
  private readonly shared?: SharedWrites;
  private storeWarned = false;
  private server?: AdmissionServer;
  private cert?: ServingCert;
  private readonly registrars: WebhookRegistrar[] = [];
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private readonly validityMs: number;

  constructor(private readonly opts: AdmissionIdentityOptions) {
    this.validityMs = opts.tuning?.certValidityMs ?? 30 * DAY_MS;
    // PostgreSQL: the replicas share what they saw (the embedded store is one process's anyway).
    if (opts.db?.kind === "postgres") this.shared = new SharedWrites(opts.db, BUFFER_AGE_MS);
  }

  /** The CA the apiserver is given in the caBundle (undefined before start). */
  get caPem(): string | undefined {
    return this.cert?.caPem;
  }

  /** The Service's DNS names and the loopback address: what the certificate must name. */
  private hosts(): string[] {
    const svc = `${SERVICE_NAME}.${this.opts.namespace}`;
    const fromUrl = this.opts.url ? [new URL(this.opts.url).hostname.replace(/^\[|\]$/g, "")] : [];
    return [...new Set([...fromUrl, `${svc}.svc`, `${svc}.svc.cluster.local`, svc, "127.0.0.1", "localhost"])];
  }

  /** Serves the webhook; resolves to its address. */
  async start(): Promise<string> {
    this.cert = await this.loadCert();
    this.server = new AdmissionServer({
      listen: this.opts.listen,
      cert: this.cert,
      onWrite: (write) => {
        this.buffer.add(write);
        this.shared?.add(write).catch((err) => this.storeFailed(err));
      },
      logger: this.opts.logger,
    });
    const address = await this.server.start();
    this.timer = setInterval(() => void this.tick(), this.opts.tuning?.syncEveryMs ?? 30_000);
    this.timer.unref();
    this.opts.logger.info({ address }, "admission webhook listening");
    return address;
  }

  /** Registers the webhook in a cluster (now, and again whenever its kinds or the CA change). */
  addCluster(client: KubeClient, scope: () => WatchedScope, logger: Logger): void {
    if (this.opts.register === false) return;
    const registrar = new WebhookRegistrar({
      client,
      scope,
      logger,
      target: {
        url: this.opts.url,
        service: { namespace: this.opts.namespace, name: SERVICE_NAME, port: SERVICE_PORT },
      },
    });
    this.registrars.push(registrar);
    void this.syncAll();
  }

  /**
   * Who changed this drift, from the writes seen; unknown when none explains it. A drift with no live object (a
   * deleted one) is explained by the newest DELETE of it by name.
   */
  async changedBy(
    ref: ObjectRef,
    live: KubeObject | null | undefined,
    changes: readonly Change[],
    observedAt: number,
  ): Promise<ChangedBy> {
    const objectUid = live?.metadata?.uid;
    if (objectUid) {
      const writes = await this.writes("forObject", objectUid, observedAt);
      return correlate(writes, { objectUid, live, changes, observedAt }, WINDOW_MS);
    }
    const key = objectRefKey(groupOf(ref.apiVersion), ref.kind, ref.namespace, ref.name);
    return correlateDeletion(await this.writes("forRef", key, observedAt), observedAt, WINDOW_MS);
  }

  /** The writes this replica saw, and those the others shared through the store. */
  private async writes(by: "forObject" | "forRef", key: string, now: number): Promise<AdmissionWrite[]> {
    const writes = this.buffer[by](key, now);
    if (this.shared) {
      try {
        writes.push(...(await this.shared[by](key, now)));
      } catch (err) {
        this.storeFailed(err); // what this replica saw itself still counts
      }
    }
    return writes;
  }

  private storeFailed(err: unknown): void {
    if (this.storeWarned) return;
    this.storeWarned = true; // once: the store's own health is reported elsewhere
    this.opts.logger.warn({ err: errorMessage(err) }, "admission writes not shared through the store");
  }

  /**
   * A new certificate (and, generated, a new CA): its CA is registered beside the old one first, and served after
   * the apiserver has had time to see the new caBundle.
   */
  async rotate(): Promise<void> {
    const next = await this.loadCert();
    this.cert = next;
    await this.syncAll();
    await delay(this.opts.tuning?.rotationGraceMs ?? ROTATION_GRACE_MS);
    this.server?.setCert(next);
    this.opts.logger.info({ notAfter: new Date(next.notAfter).toISOString() }, "admission certificate rotated");
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.server?.close();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return; // a rotation waits out its grace: the next tick comes after it
    this.ticking = true;
    try {
      // Generated: renewed at two thirds of its life. From a Secret: served again when its files change.
      const cert = this.cert;
      const due = this.opts.certDir
        ? (await readCertDir(this.opts.certDir)).certPem !== cert?.certPem
        : cert !== undefined && Date.now() > cert.notAfter - this.validityMs / 3;
      if (due) await this.rotate();
      else await this.syncAll();
      await this.shared?.prune(Date.now());
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, "admission certificate renewal failed; retrying");
    } finally {
      this.ticking = false;
    }
  }

  private async syncAll(): Promise<void> {
    const ca = this.cert?.caPem;
    if (ca) await Promise.all(this.registrars.map((r) => r.sync(ca)));
  }

  private loadCert(): Promise<ServingCert> {
    return this.opts.certDir ? readCertDir(this.opts.certDir) : generateServingCert(this.hosts(), this.validityMs);
  }
}
