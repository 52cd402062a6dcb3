// A Kubernetes Event on the drifted object (reason DriftDetected / DriftResolved), so `kubectl describe` and
// every event-based tool show the drift where the object lives. Events are rate-limited per object (a token
// bucket each, client-go's spam filter numbers by default): a flapping object gets `burst` Events, then one per
// refill interval, and the next Event sent says how many were suppressed (in its message and its `count`). They
// are posted from a bounded queue (oldest dropped, counted), each request with a timeout.
import type { Logger } from "pino";
import type { KubeObject } from "../../drift/types.js";
import { describeChangedBy } from "../../identity/personal-data.js";
import type { KubeClient } from "../../kube/client.js";
import { BoundedQueue } from "../../lib/bounded-queue.js";
import { errorMessage } from "../../lib/errors.js";
import { TokenBuckets } from "../../lib/token-buckets.js";
import { changeAuthors, type DriftEvent } from "../records.js";

export const COMPONENT = "drift-detector";

export interface KubeEventReporterOptions {
  client: KubeClient;
  /** Identifies this replica (the lease identity). */
  instance: string;
  logger: Logger;
  /** The live object, for its uid (events without one still show up by name). */
  liveObject: (record: DriftEvent["record"]) => KubeObject | null | undefined;
  /** Per object: Events at once, then one more per refill interval (client-go: 25, 5 min). */
  burst?: number;
  refillMs?: number;
  /** Events waiting to be posted, at most. */
  capacity?: number;
  /** Each POST gives up after this long. */
  timeoutMs?: number;
  onSuppressed?: () => void;
  onDropped?: () => void;
  /** The rate limit's clock (tests). */
  now?: () => number;
}

export class KubeEventReporter {
  private readonly limits: TokenBuckets;
  private readonly queue: BoundedQueue<{ ev: DriftEvent; suppressed: number }>;
  private seq = 0;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: KubeEventReporterOptions) {
    this.limits = new TokenBuckets(opts.burst ?? 25, opts.refillMs ?? 300_000, 10_000, opts.now);
    this.queue = new BoundedQueue(opts.capacity ?? 1000, () => opts.onDropped?.());
  }

  get size(): number {
    return this.queue.size;
  }

  /** Queues the Event of a transition, unless its object is over its rate (then it is counted for the next one). */
  post(ev: DriftEvent): void {
    // An analysis is on the record and in the webhook's second message, not an Event.
    if (ev.analysed || this.closed) return;
    const taken = this.limits.take(ev.record.key);
    if (!taken.allowed) {
      this.opts.onSuppressed?.();
      return;
    }
    this.queue.push(String(this.seq++), { ev, suppressed: taken.suppressed });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when the queued Events were posted. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Shutdown: posts what is queued for up to `ms` (an absent apiserver must not hold the exit), then drops the rest. */
  async close(ms = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    this.closed = true;
    const left = this.queue.take(this.queue.size).length;
    if (left > 0) this.opts.logger.warn({ events: left }, "Kubernetes Events not posted before shutdown");
  }

  private async drain(): Promise<void> {
    for (;;) {
      const [item] = this.queue.take(1);
      if (!item) return;
      await postKubeEvent(this.opts, item[1].ev, item[1].suppressed);
    }
  }
}

export async function postKubeEvent(
  opts: KubeEventReporterOptions,
  { event, record, snoozeEnded }: DriftEvent,
  suppressed = 0,
): Promise<void> {
  const ref = record.ref;
  const live = opts.liveObject(record);
  const namespace = ref.namespace ?? "default";
  const now = new Date().toISOString();
  const detected = event !== "resolved";
  const paths = record.changes.map((c) => c.field || c.path);
  const person = record.changedBy?.known ? describeChangedBy(record.changedBy) : undefined;
  const who = [...(person ? [person] : []), ...changeAuthors(record.changes)];
  const message = detected
    ? `${snoozeEnded ? "still open after its snooze: " : ""}${record.resourceStatus === "Missing" ? "missing from the cluster" : `drift in ${paths.slice(0, 5).join(", ")}${paths.length > 5 ? ` and ${paths.length - 5} more` : ""}`}${who.length ? ` by ${who.join(", ")}` : ""} (severity ${record.severity}, drift ${record.id})`
    : `drift ${record.id} resolved: live matches the desired state again`;
  const note =
    suppressed > 0 ? ` (${suppressed} earlier drift Events of this object suppressed by the rate limit)` : "";
  const body = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { generateName: `${ref.name.slice(0, 200)}.drift-`, namespace },
    involvedObject: {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      ...(live?.metadata.uid ? { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion } : {}),
    },
    reason: detected ? "DriftDetected" : "DriftResolved",
    message: `${message.slice(0, 1000 - note.length)}${note}`,
    type: detected ? "Warning" : "Normal",
    source: { component: COMPONENT },
    reportingComponent: COMPONENT,
    reportingInstance: opts.instance.slice(0, 128),
    action: detected ? (event === "opened" ? "Detected" : "Updated") : "Resolved",
    firstTimestamp: now,
    lastTimestamp: now,
    eventTime: null,
    count: suppressed + 1,
  };
  try {
    await opts.client.request({
      method: "POST",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body,
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
  } catch (err) {
    opts.logger.warn({ err: errorMessage(err), resource: `${ref.kind}/${ref.name}` }, "cannot post Kubernetes Event");
  }
}
