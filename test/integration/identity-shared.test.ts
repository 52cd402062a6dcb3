// With PostgreSQL, the replicas share the admission writes: the apiserver may call any replica's webhook, and the
// leader, which correlates, still names the person. Two webhooks on one real PostgreSQL database, real HTTPS.
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/app/logger.js";
import type { Change } from "../../src/drift/types.js";
import { AdmissionIdentity } from "../../src/identity/admission.js";
import type { Database } from "../../src/store/database.js";
import { openStore } from "../../src/store/open.js";
import { quietSink, until } from "../helpers/service-run.js";
import { createTestDatabase } from "../helpers/stores.js";

let db: Database;
const logger = createLogger({ name: "t", level: "warn", destination: quietSink() as never });
const replica = () => new AdmissionIdentity({ listen: { host: "127.0.0.1", port: 0 }, namespace: "t", db, logger });
let standby: AdmissionIdentity;
let leader: AdmissionIdentity;
let standbyUrl: string;

const live = { metadata: { uid: "obj-1" }, spec: { replicas: 5 } };
const change: Change = {
  path: "/spec/replicas",
  field: "spec.replicas",
  type: "changed",
  desired: 3,
  live: 5,
  masked: false,
  severity: "medium",
  by: { manager: "kubectl", operation: "Update", subresource: "scale", time: null },
};

function post(url: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // The sandbox test checks the certificate chain; this one is about what the replicas share.
    const req = request(`${url}/validate`, { method: "POST", rejectUnauthorized: false }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve(JSON.parse(text)));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("admission writes shared through PostgreSQL", () => {
  beforeAll(async () => {
    db = await openStore({ databaseUrl: await createTestDatabase() });
    standby = replica();
    leader = replica();
    standbyUrl = await standby.start();
    await leader.start();
  });

  afterAll(async () => {
    await Promise.all([standby?.stop(), leader?.stop()]);
    await db?.close();
  });

  it("a write the standby's webhook saw names the person at the leader; a dry-run is not shared", async () => {
    const review = (dryRun: boolean, username: string) => ({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: `r-${username}`,
        operation: "UPDATE",
        subResource: "scale",
        userInfo: { username, uid: "u1", groups: ["sre"] },
        options: { fieldManager: "kubectl" },
        dryRun,
        oldObject: { metadata: { uid: "obj-1" }, spec: { replicas: 3 } },
        object: { metadata: { uid: "obj-1" }, spec: { replicas: 5 } },
      },
    });
    expect(await post(standbyUrl, review(false, "alice"))).toMatchObject({
      response: { uid: "r-alice", allowed: true },
    });
    await post(standbyUrl, review(true, "mallory"));
    expect(leader.buffer.size).toBe(0); // the leader's webhook saw nothing itself
    // Stored after the answer (it must not slow the apiserver down).
    await until("the write in the store", async () => {
      const rows = await db.query<{ n: number }>("select count(*)::int as n from identity_write");
      return rows[0]?.n === 1;
    });
    const got = await leader.changedBy(live as never, [change], Date.now());
    expect(got).toMatchObject({ known: true, person: { username: "alice" }, via: "kubectl" });
  });
});
