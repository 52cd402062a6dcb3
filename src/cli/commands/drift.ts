// `drift-detector drift list|show|revert|accept|ignore`: the drift records of a running service, over its HTTP API
// (`--server URL`, token from DRIFT_API_TOKEN for actions). Exit codes: 0 done, 1 the action failed or conflicted,
// 2 bad input or the service could not be asked.

import type { Command } from "commander";
import type { Change } from "../../drift/types.js";
import { describeChangedBy } from "../../identity/personal-data.js";
import { stripTerminal } from "../../lib/escape.js";
import type { RemediationAction } from "../../remediation/types.js";
import { DriftApiClient, type DriftListQuery } from "../../server/client.js";
import { CliError } from "../errors.js";

interface Common {
  server?: string;
  output?: string;
}

const DEFAULT_SERVER = "http://127.0.0.1:8080";

function serverOf(opts: Common): string {
  const url = opts.server ?? process.env.DRIFT_SERVER ?? DEFAULT_SERVER;
  try {
    return new URL(url).toString().replace(/\/+$/, "");
  } catch {
    throw new CliError(`--server ${url} is not a URL (e.g. ${DEFAULT_SERVER})`);
  }
}

/** The service's API client; actions need DRIFT_API_TOKEN (reads send it too when set). */
function client(opts: Common, needsToken = false): DriftApiClient {
  const token = process.env.DRIFT_API_TOKEN;
  if (needsToken && !token) throw new CliError("DRIFT_API_TOKEN is not set: actions need the service's API token");
  return new DriftApiClient({ url: serverOf(opts), token });
}

const describeRef = (r: { kind: string; namespace?: string; name: string }) =>
  `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
const show = (v: unknown) => (v === undefined ? "(absent)" : typeof v === "string" ? v : JSON.stringify(v));
const who = (c: Change) =>
  c.by ? `${c.by.manager} (${c.by.operation}${c.by.subresource ? ` ${c.by.subresource}` : ""})` : "unknown";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

function print(opts: Common, json: unknown, text: () => string): void {
  // JSON escapes control characters itself; text is the service's live values, stripped of terminal sequences.
  process.stdout.write(opts.output === "json" ? `${JSON.stringify(json, null, 2)}\n` : `${stripTerminal(text())}\n`);
}

export function register(drift: Command): void {
  const common = (cmd: Command) =>
    cmd
      .option("--server <url>", `the service's address [env DRIFT_SERVER, default ${DEFAULT_SERVER}]`)
      .option("-o, --output <format>", "text or json", "text");

  common(
    drift
      .command("list")
      .description("drift records (open by default)")
      .option("--status <status>", "open, resolved or all", "open")
      .option("--namespace <ns>", "only this namespace")
      .option("--severity <level>", "only this severity: critical, high, medium, low"),
  ).action(async (opts: Common & { status: string; namespace?: string; severity?: string }) => {
    const page = await client(opts).list({
      status: opts.status as DriftListQuery["status"],
      limit: 1000,
      namespace: opts.namespace,
      severity: opts.severity,
    });
    print(opts, page, () => {
      if (page.items.length === 0) return opts.status === "open" ? "no open drift" : "no drift records";
      return table([
        ["ID", "SEVERITY", "STATUS", "RESOURCE", "FIELDS", "BY"],
        ...page.items.map((r) => [
          r.id,
          r.severity,
          r.status,
          describeRef(r.ref),
          r.changes.map((c) => c.field).join(", ") || r.resourceStatus,
          [...new Set(r.changes.map(who))].join(", "),
        ]),
      ]);
    });
  });

  common(
    drift
      .command("show")
      .description("one drift record: changes, who made them, analysis, history, audit")
      .argument("<id>"),
  ).action(async (id: string, opts: Common) => {
    const api = client(opts);
    const r = await api.get(id);
    const audit = await api.audit(id).catch(() => []);
    print(opts, { ...r, audit }, () => {
      const src =
        r.source.type === "file" ? r.source.path : `${r.source.space}/${r.source.unit} revision ${r.source.revision}`;
      const lines = [
        `${describeRef(r.ref)}  ${r.severity}  ${r.status}${r.resourceStatus === "Missing" ? "  (missing from the cluster)" : ""}`,
        `id ${r.id} · cluster ${r.cluster} · desired in ${src} · opened ${r.openedAt}`,
        ...(r.changedBy ? [`changed by ${describeChangedBy(r.changedBy)}`] : []),
        "",
        ...r.changes.flatMap((c) => [
          `${c.field}  (${c.type}, by ${who(c)}${c.by?.time ? ` at ${c.by.time}` : ""})`,
          `  - desired: ${show(c.desired)}`,
          `  + live:    ${show(c.live)}`,
        ]),
      ];
      if (r.analysis)
        lines.push(
          "",
          `analysis: ${r.analysis.summary}`,
          `recommended: ${r.analysis.recommendation?.action ?? "?"}: ${r.analysis.recommendation?.rationale ?? ""}`,
        );
      if (r.history?.length)
        lines.push(
          "",
          "history:",
          ...r.history.map(
            (h) =>
              `  ${h.at}  ${h.event}  ${h.paths.join(", ")}${h.changedBy ? `  (${describeChangedBy(h.changedBy)})` : ""}`,
          ),
        );
      if (audit.length) {
        lines.push(
          "",
          "audit:",
          ...audit.map(
            (a) => `  ${a.at}  ${a.actor}  ${a.action}${a.dryRun ? " (dry-run)" : ""}  ${a.outcome}: ${a.message}`,
          ),
        );
      }
      return lines.join("\n");
    });
  });

  const action = (name: "revert" | "accept" | "ignore", description: string) =>
    common(
      drift
        .command(name)
        .description(description)
        .argument("<id>")
        .option("--dry-run", "show exactly what would change, change nothing"),
    );

  const act = async (name: RemediationAction, id: string, opts: Common & { dryRun?: boolean }, extra = {}) => {
    const result = await client(opts, true).act(id, {
      action: name,
      dryRun: !!opts.dryRun,
      ...extra,
    });
    print(opts, result, () => {
      const lines = [result.message];
      for (const f of result.fields ?? []) lines.push(`  ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
      if (result.diff) lines.push("", result.diff.trimEnd());
      return lines.join("\n");
    });
    if (result.outcome === "failed" || result.outcome === "conflict") process.exitCode = 1;
  };

  action(
    "revert",
    "apply the desired state to the cluster (forcing only the drifted fields); verified by re-detection",
  ).action((id: string, opts: Common & { dryRun?: boolean }) => act("revert", id, opts));
  action("accept", "write the live values into the hub as a new revision (hub and ConfigHub sources)").action(
    (id: string, opts: Common & { dryRun?: boolean }) => act("accept", id, opts),
  );
  action("ignore", "snooze the drift until a time (--until), or ignore its fields from now on (--path)")
    .option("--until <when>", "snooze until this time (ISO 8601) or for this long (2h, 30m)")
    .option(
      "--path <pointer>",
      "ignore this JSON Pointer (repeatable; default: every drifted field)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--reason <text>", "why, kept with the ignore rule")
    .action((id: string, opts: Common & { dryRun?: boolean; until?: string; path?: string[]; reason?: string }) => {
      if (opts.until && opts.path) throw new CliError("give --until (snooze) or --path (ignore rule), not both");
      return act("ignore", id, opts, { until: opts.until, paths: opts.path, reason: opts.reason });
    });
}
