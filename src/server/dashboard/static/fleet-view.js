// The fleet: the environment matrix (each unit across the spaces of its promotion chain: in sync, drifted by
// severity, missing, behind its upstream), drift opened and resolved over time by severity, and the mean time to
// resolve by space. Charts by uPlot (charts.js); the numbers are also in text, for screen readers and tests.
import { api } from "./api.js";
import { durationBars, SEVERITIES, severityBars } from "./charts.js";
import { html, severityBadge } from "./html.js";
import { fragment } from "./ui.js";

/** 42 s, 5 min, 3.2 h, 4.5 d */
export function formatDuration(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 129600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

function matrixCell(space, cell) {
  if (!cell) return html`<td class="cell cell-none"><span class="muted">—</span></td>`;
  const label =
    cell.state === "in-sync"
      ? html`<span class="cell-state">in sync</span>`
      : cell.state === "drifted" || cell.state === "missing"
        ? html`<a class="cell-state" href="#/drifts?q=${encodeURIComponent(space)}">${cell.state === "missing" ? "missing" : "drifted"}</a> ${severityBadge(cell.severity)}`
        : html`<span class="cell-state">${cell.state === "error" ? "error" : "not yet compared"}</span>`;
  const behind = cell.behind
    ? html`<span class="tag tag-behind" title="${`${cell.behind.upstreamSpace} is at revision ${cell.behind.upstreamRevision}; this unit was last upgraded from ${cell.behind.upgradedFrom}`}">behind ${cell.behind.upstreamSpace}</span>`
    : "";
  return html`<td class="cell cell-${cell.state} ${cell.severity ? `cell-${cell.severity}` : ""}" data-state="${cell.state}" data-behind="${cell.behind ? "true" : "false"}">
    ${label} ${behind}<div class="muted small">rev ${cell.revision}${cell.drifted ? ` · ${cell.drifted} of ${cell.objects} objects` : ""}</div></td>`;
}

function matrix(chains) {
  if (!chains.length) return html`<p class="muted">No hub spaces watched (a directory source has no environments).</p>`;
  return chains.map(
    (chain) => html`<table class="matrix" data-chain="${chain.name}">
      <caption>${chain.name} <span class="muted small">${chain.spaces.join(" → ")}</span></caption>
      <thead><tr><th scope="col">Unit</th>${chain.spaces.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
      <tbody>${chain.rows.map(
        (row) => html`<tr><th scope="row">${row.unit}</th>${chain.spaces.map((s) => matrixCell(s, row.cells[s]))}</tr>`,
      )}</tbody></table>`,
  );
}

/** Buckets from the API (sparse, one per time and severity) as one count per bucket and severity. */
function series(timeline) {
  const n = Math.round((timeline.until - timeline.since) / timeline.bucketSeconds) + 1;
  const times = Array.from({ length: n }, (_, i) => timeline.since + i * timeline.bucketSeconds);
  const opened = Object.fromEntries(SEVERITIES.map((s) => [s, times.map(() => 0)]));
  const resolved = Object.fromEntries(SEVERITIES.map((s) => [s, times.map(() => 0)]));
  for (const b of timeline.items) {
    const i = Math.round((b.at - timeline.since) / timeline.bucketSeconds);
    if (i < 0 || i >= n || !opened[b.severity]) continue;
    opened[b.severity][i] += b.opened;
    resolved[b.severity][i] += b.resolved;
  }
  return { times, opened, resolved };
}

const total = (counts) => SEVERITIES.reduce((sum, s) => sum + counts[s].reduce((a, b) => a + b, 0), 0);

export async function renderFleet(state) {
  const bucket = state.route.params.get("bucket") === "day" ? "day" : "hour";
  const [envs, timeline, resolution] = await Promise.all([
    api.environments(),
    api.timeline(bucket).catch((err) => ({ error: err.message })),
    api.resolution().catch((err) => ({ error: err.message })),
  ]);
  const s = timeline.error ? null : series(timeline);
  const span = bucket === "day" ? "the last 30 days, per day" : "the last 48 hours, per hour";

  const view = fragment(html`
    <h1>Fleet</h1>
    <section class="card" aria-labelledby="env-title">
      <h2 id="env-title">Environments</h2>
      ${matrix(envs.chains)}
    </section>
    <section class="card" aria-labelledby="time-title">
      <div class="card-head"><h2 id="time-title">Drift over time</h2>
        <div class="toggle" role="group" aria-label="Bucket">
          <button type="button" class="btn btn-small" data-bucket="hour" aria-pressed="${bucket === "hour"}">Per hour</button>
          <button type="button" class="btn btn-small" data-bucket="day" aria-pressed="${bucket === "day"}">Per day</button>
        </div></div>
      ${
        s
          ? html`<div class="grid2">
              <figure class="chart"><figcaption id="opened-caption">Opened: <strong>${total(s.opened)}</strong> in ${span}</figcaption>
                <div id="chart-opened" role="img" aria-labelledby="opened-caption"></div></figure>
              <figure class="chart"><figcaption id="resolved-caption">Resolved: <strong>${total(s.resolved)}</strong> in ${span}</figcaption>
                <div id="chart-resolved" role="img" aria-labelledby="resolved-caption"></div></figure>
            </div>`
          : html`<p class="muted">${timeline.error}</p>`
      }
    </section>
    <section class="card" aria-labelledby="mttr-title">
      <h2 id="mttr-title">Mean time to resolve by space <span class="muted small">(last 30 days)</span></h2>
      ${
        resolution.error
          ? html`<p class="muted">${resolution.error}</p>`
          : resolution.items.length === 0
            ? html`<p class="muted">No drift resolved yet.</p>`
            : html`<div class="grid2">
                <div id="chart-mttr" role="img" aria-label="Mean time to resolve by space, bar chart"></div>
                <table class="compact mttr"><thead><tr><th scope="col">Space</th><th scope="col" class="num">Resolved</th><th scope="col" class="num">Mean time to resolve</th></tr></thead>
                  <tbody>${resolution.items.map((r) => html`<tr><td>${r.space}</td><td class="num">${r.resolved}</td><td class="num">${formatDuration(r.meanSeconds)}</td></tr>`)}</tbody></table>
              </div>`
      }
    </section>`);

  if (s) {
    severityBars(view.querySelector("#chart-opened"), { times: s.times, counts: s.opened });
    severityBars(view.querySelector("#chart-resolved"), { times: s.times, counts: s.resolved });
  }
  const mttr = view.querySelector("#chart-mttr");
  if (mttr) {
    durationBars(mttr, {
      labels: resolution.items.map((r) => r.space),
      seconds: resolution.items.map((r) => r.meanSeconds),
      format: formatDuration,
      label: "mean time to resolve",
    });
  }
  for (const b of view.querySelectorAll("[data-bucket]")) {
    b.addEventListener("click", () => {
      const next = b.dataset.bucket === "day" ? "#/fleet?bucket=day" : "#/fleet";
      if (location.hash !== next) location.hash = next;
    });
  }
  return view;
}
