// One drift record: the diff of its changed fields (side by side or unified), who changed them and when, the
// analysis, the history timeline, the audit of actions, and the action buttons.
import { openAction } from "./actions.js";
import { api, session } from "./api.js";
import { by, describeRef, formatValue, html, loopTag, severityBadge, time } from "./html.js";
import { fragment } from "./ui.js";

const LAYOUT_KEY = "drift-detector.diff-layout";

function sideBySide(changes, hubSource) {
  return html`<table class="diff diff-split">
    <caption class="sr-only">Changed fields, desired (hub) against live (cluster)</caption>
    <thead><tr><th scope="col">Field</th><th scope="col">${hubSource ? "Desired (hub)" : "Desired"}</th><th scope="col">Live (cluster)</th><th scope="col">Changed by</th></tr></thead>
    <tbody>${changes.map(
      (c) => html`<tr>
        <th scope="row"><code class="field">${c.field}</code><div class="muted small">${c.type}${c.masked ? " · secret, masked" : ""} · ${c.severity}</div></th>
        <td class="${c.type === "added" ? "absent" : "del"}">${c.type === "added" ? html`<span class="muted">(not declared)</span>` : html`<pre>${formatValue(c.desired)}</pre>`}</td>
        <td class="${c.type === "removed" ? "absent" : "add"}">${c.type === "removed" ? html`<span class="muted">(absent)</span>` : html`<pre>${formatValue(c.live)}</pre>`}</td>
        <td>${by(c.by)}<div class="small">${c.by?.time ? time(c.by.time) : ""}</div></td>
      </tr>`,
    )}</tbody></table>`;
}

function unified(changes) {
  const lines = [];
  for (const c of changes) {
    lines.push(
      html`<div class="u-head">${c.field} <span class="muted">· ${c.by ? `${c.by.manager} (${c.by.operation}${c.by.subresource ? ` ${c.by.subresource}` : ""})` : "unknown writer"}</span></div>`,
    );
    if (c.type !== "added")
      for (const l of formatValue(c.desired).split("\n")) lines.push(html`<div class="u-del">- ${l}</div>`);
    if (c.type !== "removed")
      for (const l of formatValue(c.live).split("\n")) lines.push(html`<div class="u-add">+ ${l}</div>`);
  }
  return html`<div class="diff diff-unified" role="region" aria-label="Unified diff: - desired (hub), + live (cluster)">${lines}</div>`;
}

function attribution(record) {
  const seen = new Map();
  for (const c of record.changes) {
    const key = c.by ? `${c.by.manager}|${c.by.operation}|${c.by.subresource}` : "unknown";
    const entry = seen.get(key) ?? { by: c.by, fields: [], time: c.by?.time ?? null };
    entry.fields.push(c.field);
    if (c.by?.time && (!entry.time || c.by.time > entry.time)) entry.time = c.by.time;
    seen.set(key, entry);
  }
  return html`<ul class="attribution">${[...seen.values()].map(
    (e) => html`<li>${by(e.by)} ${e.time ? html`changed ${time(e.time)}` : ""}
      <div class="muted small">${e.fields.join(", ")}</div></li>`,
  )}</ul>`;
}

/** DRIFT_IDENTITY: the person from admission; withheld from a reader who has not signed in; absent when off. */
function changedBy(c) {
  if (!c) return "";
  if (!c.known)
    return html`<p class="meta changed-by">Changed by: <span class="muted">unknown (no write seen by the admission webhook explains it)</span></p>`;
  const how = `${c.operation}${c.subresource ? ` ${c.subresource}` : ""}${c.via ? ` via ${c.via}` : ""}`;
  if (c.withheld)
    return html`<p class="meta changed-by">Changed by: <span class="muted">a known person (sign in to see who)</span> · ${how} ${time(c.at)}</p>`;
  return html`<p class="meta changed-by">Changed by <strong>${c.person.username}</strong> <span class="muted">(groups ${c.person.groups.join(", ") || "none"})</span> · ${how} ${time(c.at)}</p>`;
}

function analysis(a) {
  if (!a) return html`<p class="muted">No analysis yet.</p>`;
  return html`<div class="analysis">
    <p class="summary">${a.summary}</p>
    <dl>
      <dt>Likely cause</dt><dd>${a.likelyCause}</dd>
      <dt>Risk</dt><dd>${severityBadge(a.risk?.level)} ${a.risk?.why}</dd>
      <dt>Recommendation</dt><dd><strong>${a.recommendation?.action}</strong>: ${a.recommendation?.rationale}</dd>
      ${a.commands?.length ? html`<dt>Commands</dt><dd><pre>${a.commands.join("\n")}</pre></dd>` : ""}
    </dl>
    <p class="muted small">by ${a.source}${a.model ? ` (${a.model})` : ""}, confidence ${Math.round((a.confidence ?? 0) * 100)}%</p>
  </div>`;
}

function historyTimeline(history) {
  if (!history?.length) return html`<p class="muted">No history.</p>`;
  return html`<ol class="timeline">${[...history].reverse().map(
    (
      h,
    ) => html`<li class="tl tl-${h.event}"><span class="tl-event">${h.event}</span> ${time(h.at)} ${severityBadge(h.severity)}
      <div class="small">${h.paths?.length ? html`<code>${h.paths.join(", ")}</code>` : ""} ${h.by?.length ? html`<span class="muted">by ${h.by.join(", ")}</span>` : ""}</div></li>`,
  )}</ol>`;
}

function auditList(items) {
  if (!items.length) return html`<p class="muted">No action taken yet.</p>`;
  return html`<table class="compact audit">
    <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">What</th></tr></thead>
    <tbody>${items.map(
      (
        e,
      ) => html`<tr><td>${time(e.at)}</td><td>${e.actor}</td><td>${e.action}${e.dryRun ? html` <span class="tag">dry-run</span>` : ""}</td>
        <td><span class="outcome outcome-${e.outcome}">${e.outcome}</span></td><td>${e.message}</td></tr>`,
    )}</tbody></table>`;
}

function actionBar(record, remediation) {
  if (record.status !== "open") return html`<p class="muted">Resolved ${time(record.resolvedAt)}: nothing to do.</p>`;
  if (remediation.mode === "off") {
    return html`<p class="muted">Remediation is off (<code>DRIFT_REMEDIATION=off</code>): this service only detects.</p>`;
  }
  if (!remediation.actionsEnabled) {
    return html`<p class="muted">Actions are disabled: the service has no <code>DRIFT_API_TOKEN</code>.</p>`;
  }
  const acceptable = record.source?.type !== "file" && record.resourceStatus !== "Missing";
  const masked = record.changes.some((c) => c.masked);
  return html`<div class="actions" role="group" aria-label="Actions">
    <button type="button" class="btn btn-primary" data-action="revert">Revert cluster…</button>
    <button type="button" class="btn" data-action="accept" ${acceptable && !masked ? "" : html`disabled aria-describedby="accept-why"`}>Accept live into hub…</button>
    <button type="button" class="btn" data-action="ignore">Ignore…</button>
    ${
      !acceptable || masked
        ? html`<p id="accept-why" class="muted small">${
            masked
              ? "Accept is unavailable: Secret values are masked and never written."
              : record.resourceStatus === "Missing"
                ? "Accept is unavailable: the object is missing from the cluster."
                : "Accept is unavailable: this desired state comes from a directory; edit the file instead."
          }</p>`
        : ""
    }
    ${session.token ? "" : html`<p class="muted small">You will be asked for a token once; the audit names who it is.</p>`}
  </div>`;
}

export async function renderDetail(state) {
  const id = state.route.id;
  const [record, audit] = await Promise.all([api.drift(id), api.audit(id).catch(() => ({ items: [] }))]);
  const layout = localStorage.getItem(LAYOUT_KEY) ?? "split";
  const snooze = (state.remediation.snoozes ?? []).find((s) => s.recordId === id);
  const src = record.source;
  const view = fragment(html`
    <nav class="crumbs" aria-label="Breadcrumb"><a href="#/drifts">Drifts</a> › <span aria-current="page">${describeRef(record.ref)}</span></nav>
    <div class="title-row">
      <h1>${describeRef(record.ref)}</h1>
      ${severityBadge(record.severity)}
      <span class="status status-${record.status}">${record.status}</span>
      ${record.resourceStatus === "Missing" ? html`<span class="tag tag-missing">missing from the cluster</span>` : ""}
      ${record.sourceError ? html`<span class="tag tag-source-error">source error</span>` : ""}
      ${loopTag(record)}
      ${snooze ? html`<span class="tag">snoozed until ${new Date(snooze.until).toLocaleString()}</span>` : ""}
    </div>
    ${record.sourceError ? html`<p class="source-error" role="status">The desired document cannot be read (${record.sourceError}): this drift stays open as it was until it reads again.</p>` : ""}
    <p class="meta">
      ${src?.type === "file" ? html`Desired in <code>${src.path}</code>` : html`Desired in <strong>${src.space}</strong> / <strong>${src.unit}</strong> at revision ${src.revision} (${src.type})`}
      · cluster <strong>${record.cluster}</strong> · opened ${time(record.openedAt)} · updated ${time(record.updatedAt)}
    </p>
    ${changedBy(record.changedBy)}
    ${
      record.recurrence?.looping
        ? html`<p class="callout callout-loop" role="note"><strong>Stuck drift loop:</strong> this drift came back
          ${record.recurrence.reopened} times in a row soon after it was resolved. Something reapplies it after each
          revert or apply (a controller, a webhook): reverting again will not hold. See who changed it below.</p>`
        : ""
    }
    <section class="card" aria-labelledby="actions-title"><h2 id="actions-title">Actions</h2>${actionBar(record, state.remediation)}</section>
    <section class="card" aria-labelledby="diff-title">
      <div class="card-head"><h2 id="diff-title">What differs (${record.changes.length})</h2>
        <div class="toggle" role="group" aria-label="Diff layout">
          <button type="button" class="btn btn-small" data-layout="split" aria-pressed="${layout === "split"}">Side by side</button>
          <button type="button" class="btn btn-small" data-layout="unified" aria-pressed="${layout === "unified"}">Unified</button>
        </div></div>
      ${record.changes.length ? (layout === "unified" ? unified(record.changes) : sideBySide(record.changes, src?.type !== "file")) : html`<p class="muted">The whole object is missing from the cluster.</p>`}
      ${record.ignored?.length ? html`<details><summary>${record.ignored.length} ignored difference(s)</summary><ul>${record.ignored.map((i) => html`<li><code>${i.path}</code>: ${i.reason}</li>`)}</ul></details>` : ""}
    </section>
    <div class="grid2">
      <div class="column">
        <section class="card" aria-labelledby="who-title"><h2 id="who-title">Who changed it</h2>${attribution(record)}</section>
        <section class="card" aria-labelledby="history-title"><h2 id="history-title">History</h2>${historyTimeline(record.history)}</section>
      </div>
      <div class="column">
        <section class="card" aria-labelledby="analysis-title"><h2 id="analysis-title">Analysis</h2>${analysis(record.analysis)}</section>
        <section class="card" aria-labelledby="audit-title"><h2 id="audit-title">Audit</h2>${auditList(audit.items)}</section>
      </div>
    </div>`);

  for (const b of view.querySelectorAll("[data-layout]")) {
    b.addEventListener("click", () => {
      localStorage.setItem(LAYOUT_KEY, b.dataset.layout);
      window.dispatchEvent(new CustomEvent("dashboard:refresh"));
    });
  }
  for (const b of view.querySelectorAll("[data-action]")) {
    b.addEventListener("click", () => openAction(record, b.dataset.action));
  }
  return view;
}
