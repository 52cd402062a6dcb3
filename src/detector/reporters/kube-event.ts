// A Kubernetes Event on the drifted object (reason DriftDetected / DriftResolved), so `kubectl describe` and
// every event-based tool show the drift where the object lives.
import type { Logger } from "pino";
import type { KubeObject } from "../../drift/types.js";
import { describeChangedBy } from "../../identity/personal-data.js";
import type { KubeClient } from "../../kube/client.js";
import { errorMessage } from "../../lib/errors.js";
import { changeAuthors, type DriftEvent } from "../records.js";

export const COMPONENT = "drift-detector";

export interface KubeEventReporterOptions {
  client: KubeClient;
  /** Identifies this replica (the lease identity). */
  instance: string;
  logger: Logger;
  /** The live object, for its uid (events without one still show up by name). */
  liveObject: (record: DriftEvent["record"]) => KubeObject | null | undefined;
}

export async function postKubeEvent(
  opts: KubeEventReporterOptions,
  { event, record, snoozeEnded }: DriftEvent,
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
    message: message.slice(0, 1000),
    type: detected ? "Warning" : "Normal",
    source: { component: COMPONENT },
    reportingComponent: COMPONENT,
    reportingInstance: opts.instance.slice(0, 128),
    action: detected ? (event === "opened" ? "Detected" : "Updated") : "Resolved",
    firstTimestamp: now,
    lastTimestamp: now,
    eventTime: null,
    count: 1,
  };
  try {
    await opts.client.request({
      method: "POST",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body,
    });
  } catch (err) {
    opts.logger.warn({ err: errorMessage(err), resource: `${ref.kind}/${ref.name}` }, "cannot post Kubernetes Event");
  }
}
