// What the identity webhook (DRIFT_IDENTITY=admission) costs a write, against a real sandbox: p50/p99 of a
// ConfigMap PATCH by a service account (its token from TokenRequest) with no webhook, with the webhook served,
// and with the webhook registered but its server gone (fail open: the apiserver's connection is refused).
// Usage: npx tsx bench/admission-latency.ts [--writes 300] [--kubeconfig F]  (default DRIFT_BENCH_KUBECONFIG,
// then .sandbox/dev/kubeconfig). The webhook runs in this process, as in `run`. Figures go in the note.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { AdmissionIdentity } from "../src/identity/admission.js";
import { WEBHOOK_CONFIGURATION_NAME } from "../src/identity/webhook-config.js";
import { KubeClient } from "../src/kube/client.js";
import { loadCluster } from "../src/kube/cluster.js";
import { freePort } from "../test/helpers/free-port.js";

const { values } = parseArgs({
  options: { writes: { type: "string", default: "300" }, kubeconfig: { type: "string" } },
});
const writes = Number(values.writes);
const kubeconfig = resolve(values.kubeconfig ?? process.env.DRIFT_BENCH_KUBECONFIG ?? ".sandbox/dev/kubeconfig");
const admin = loadCluster({ kubeconfig }).client;
const ns = `bench-admission-${randomBytes(3).toString("hex")}`;
const api = (path: string) => `/api/v1/namespaces/${ns}${path}`;

await admin.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: ns } } });
await admin.request({ method: "POST", path: api("/configmaps"), body: { metadata: { name: "target" }, data: {} } });
await admin.request({ method: "POST", path: api("/serviceaccounts"), body: { metadata: { name: "writer" } } });
await admin.request({
  method: "POST",
  path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  body: {
    metadata: { name: "writer-edit" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
    subjects: [{ kind: "ServiceAccount", name: "writer", namespace: ns }],
  },
});
const tokenReview = await admin.request({
  method: "POST",
  path: api("/serviceaccounts/writer/token"),
  body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
});
const token = (tokenReview.body as { status: { token: string } }).status.token;
const adminKc = new KubeConfig();
adminKc.loadFromFile(kubeconfig);
const cluster = adminKc.getCurrentCluster();
if (!cluster) throw new Error(`${kubeconfig} names no cluster`);
const writerKc = new KubeConfig();
writerKc.loadFromOptions({
  clusters: [cluster],
  users: [{ name: "writer", token }],
  contexts: [{ name: "writer", cluster: cluster.name, user: "writer" }],
  currentContext: "writer",
});
const writer = new KubeClient(writerKc);

let n = 0;
async function measure(label: string): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < writes + 20; i++) {
    const t0 = performance.now();
    await writer.request({
      method: "PATCH",
      path: api("/configmaps/target"),
      contentType: "application/merge-patch+json",
      body: { data: { n: String(n++) } },
    });
    if (i >= 20) times.push(performance.now() - t0); // the first 20 warm the connections
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
  console.log(`${label.padEnd(34)} p50 ${at(0.5)} ms   p99 ${at(0.99)} ms   (${times.length} writes)`);
}

const port = await freePort();
const identity = new AdmissionIdentity({
  listen: { host: "127.0.0.1", port },
  url: `https://127.0.0.1:${port}/validate`,
  namespace: ns,
  logger: pino({ level: "warn" }),
});
try {
  await measure("no webhook");
  await identity.start();
  const configmaps = {
    group: "",
    version: "v1",
    apiVersion: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    namespaced: true,
    verbs: [],
  };
  identity.addCluster(admin, () => ({ resources: [configmaps], namespaces: [ns] }), pino({ level: "warn" }));
  // Registered and called by the apiserver (it learns the configuration through its informer).
  const end = Date.now() + 30_000;
  while (identity.buffer.size === 0) {
    if (Date.now() > end) throw new Error("the apiserver never called the webhook");
    await writer.request({
      method: "PATCH",
      path: api("/configmaps/target"),
      contentType: "application/merge-patch+json",
      body: { data: { n: String(n++) } },
    });
  }
  await measure("webhook served");
  const seen = identity.buffer.size;
  await identity.stop();
  await measure("webhook registered, server gone");
  console.log(`writes the webhook kept: ${seen} (buffer bound 10000)`);
} finally {
  await identity.stop().catch(() => {});
  await admin
    .request({
      method: "DELETE",
      path: `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK_CONFIGURATION_NAME}`,
    })
    .catch(() => {});
  await admin.request({ method: "DELETE", path: `/api/v1/namespaces/${ns}` }).catch(() => {});
  await Promise.all([admin.close(), writer.close()]);
}
