// The report for people: per resource a status line, then each change as a small unified diff with who did it.
import { stringify } from "yaml";
import type { Change, DetectionReport, ObjectRef, ResourceResult, SourceInfo } from "./types.js";

export interface RenderOptions {
  /** ANSI colours; the caller decides (a TTY, no NO_COLOR). */
  color: boolean;
}

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
type Paint = (style: keyof typeof ANSI, s: string) => string;

export function renderReport(report: DetectionReport, options: RenderOptions): string {
  const paint: Paint = options.color ? (style, s) => `\u001b[${ANSI[style]}m${s}\u001b[0m` : (_style, s) => s;
  const out: string[] = [];
  for (const r of report.resources) out.push(...renderResource(r, paint));
  const s = report.summary;
  out.push(
    `${s.resources} resources (${report.mode} mode): ${s.inSync} in sync, ${s.drifted} drifted, ${s.missing} missing, ${s.errors} errors`,
  );
  return `${out.join("\n")}\n`;
}

export function renderResource(r: ResourceResult, paint: Paint): string[] {
  const status =
    r.status === "InSync"
      ? paint("green", "InSync")
      : r.status === "Drifted"
        ? paint("yellow", "Drifted")
        : paint("red", r.status);
  const sev =
    r.severity === null
      ? ""
      : ` ${paint(r.severity === "critical" || r.severity === "high" ? "red" : "yellow", r.severity)}`;
  // A document without kind or name (unreadable, incomplete) is known by where it came from.
  const lines =
    r.ref.kind && r.ref.name
      ? [`${paint("bold", refText(r.ref))}  ${status}${sev}  ${paint("dim", sourceText(r.source))}`]
      : [`${paint("bold", `${r.ref.kind ? `${r.ref.kind} in ` : ""}${documentText(r.source)}`)}  ${status}${sev}`];
  if (r.status === "Error" && r.error) lines.push(`  ${paint("red", r.error)}`);
  for (const ch of r.changes) lines.push(...renderChange(ch, paint));
  for (const ig of r.ignored) lines.push(paint("dim", `  ignored ${ig.path}: ${ig.reason}`));
  return lines;
}

function renderChange(ch: Change, paint: Paint): string[] {
  const by =
    ch.by === null
      ? "by unknown"
      : `by ${ch.by.manager} (${ch.by.operation}${ch.by.subresource ? `, ${ch.by.subresource}` : ""})${ch.by.time ? ` at ${ch.by.time}` : ""}`;
  const lines = [`  ${paint("cyan", `@@ ${ch.field} @@`)} ${ch.type}, ${ch.severity}, ${paint("dim", by)}`];
  if (ch.type !== "added") for (const l of valueLines(ch.desired)) lines.push(paint("red", `  - ${l}`));
  if (ch.type !== "removed") for (const l of valueLines(ch.live)) lines.push(paint("green", `  + ${l}`));
  return lines;
}

function valueLines(v: unknown): string[] {
  if (typeof v === "string" && !v.includes("\n")) return [v];
  if (typeof v === "number" || typeof v === "boolean" || v === null) return [String(v)];
  return stringify(v).trimEnd().split("\n");
}

function refText(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

function documentText(s: SourceInfo): string {
  if (s.type === "file") return s.document !== undefined ? `${s.path} document ${s.document}` : s.path;
  return sourceText(s);
}

function sourceText(s: SourceInfo): string {
  if (s.type === "file") return `${s.path}${s.document !== undefined ? `#${s.document}` : ""}`;
  return `${s.type}:${s.space}/${s.unit} rev ${s.revision}`;
}
