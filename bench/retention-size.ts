// Store size per drift record and per audit entry, on each store, to state what the retention defaults keep.
// Writes N resolved records shaped like a real drift (three changes with attribution, a model analysis, an
// opened/updated/resolved history) and N audit entries, then reads the tables' size on disk (with indexes and TOAST).
// Run: npx tsx bench/retention-size.ts   (BENCH_N=5000; BENCH_STORES=pglite or postgres to run one)
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RecordStore } from "../src/detector/record-store.js";
import type { DriftRecord } from "../src/detector/records.js";
import { RemediationStore } from "../src/remediation/store.js";
import type { Database, StoreKind } from "../src/store/database.js";
import { openStore } from "../src/store/open.js";
import { startPostgres } from "../test/setup/postgres.js";

const N = Number(process.env.BENCH_N ?? 5000);
const STORES = (process.env.BENCH_STORES?.split(",") ?? ["pglite", "postgres"]) as StoreKind[];

function aRecord(i: number): DriftRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  const name = `backend-${i % 500}`;
  const by = { manager: "kubectl-edit", operation: "Update" as const, subresource: "", time: at };
  const change = (path: string, desired: unknown, live: unknown) => ({
    path,
    field: path.slice(1).replaceAll("/", "."),
    type: "changed" as const,
    desired,
    live,
    masked: false,
    severity: "medium" as const,
    by,
  });
  const fp = `sha256:${randomUUID().replaceAll("-", "")}`;
  return {
    id: randomUUID(),
    cluster: "prod-eu-1",
    key: `apps/v1|Deployment|payments|${name}`,
    ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "payments", name },
    source: { type: "unit", space: "acorn-bear-prod", unit: name, revision: 42 } as never,
    status: "resolved",
    resourceStatus: "Drifted",
    severity: "high",
    fingerprint: fp,
    changes: [
      change("/spec/replicas", 3, 5),
      change("/spec/template/spec/containers/0/image", "ghcr.io/acme/backend:1.4.2", "ghcr.io/acme/backend:1.4.3-rc1"),
      change("/spec/template/spec/containers/0/env/2/value", "info", "debug"),
    ],
    ignored: [],
    analysis: {
      summary: "Someone scaled the backend to 5 replicas and switched it to a release candidate image by hand.",
      likelyCause:
        "An on-call engineer handling the 14:00 latency incident used kubectl edit instead of changing the unit in the hub; the debug log level points to an investigation.",
      risk: "high: the release candidate has not passed staging; debug logging increases cost and may log request bodies.",
      recommendation:
        "Revert to the hub's revision 42 once the incident is over, or accept the replica count into the unit if it is needed.",
      provider: "claude",
    } as never,
    openedAt: at,
    updatedAt: at,
    resolvedAt: at,
    history: ["opened", "updated", "resolved"].map((event) => ({
      at,
      event: event as "opened",
      fingerprint: fp,
      severity: "high" as const,
      paths: ["/spec/replicas", "/spec/template/spec/containers/0/image"],
      by: ["kubectl-edit"],
    })),
  };
}

async function measure(kind: StoreKind, db: Database): Promise<void> {
  const records = new RecordStore(db);
  const audit = new RemediationStore(db);
  for (let i = 0; i < N; i++) {
    const rec = aRecord(i);
    await records.save(rec);
    await audit.audit({
      actor: "system:serviceaccount:platform:oncall-bot",
      action: "revert",
      dryRun: false,
      recordId: rec.id,
      resource: `Deployment/payments/${rec.ref.name}`,
      cluster: rec.cluster,
      paths: ["/spec/replicas", "/spec/template/spec/containers/0/image"],
      outcome: "succeeded",
      message: "reverted 2 paths to the hub's revision 42",
      details: { revision: 42, fieldManager: "drift-detector" },
    });
  }
  await db.exec("vacuum analyze");
  for (const table of ["drift_record", "audit_remediation"]) {
    const [row] = await db.query<{ bytes: string }>(`select pg_total_relation_size('${table}') as bytes`);
    const bytes = Number(row?.bytes);
    console.log(`${kind} ${table}: ${N} rows, ${(bytes / 1e6).toFixed(1)} MB, ${Math.round(bytes / N)} bytes/row`);
  }
}

for (const kind of STORES) {
  if (kind === "postgres") {
    const pg = await startPostgres();
    const db = await openStore({ databaseUrl: pg.url });
    await measure(kind, db);
    await db.close();
    await pg.stop();
  } else {
    const dir = mkdtempSync(join(tmpdir(), "bench-retention-"));
    const db = await openStore({ dataDir: dir });
    await measure(kind, db);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
