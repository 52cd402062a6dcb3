// Overview: open drift by severity, namespace and space, and the most recent transitions.
import { api } from "./api.js";
import { describeRef, html, severityBadge, time } from "./html.js";
import { fragment } from "./ui.js";

const SEVERITIES = ["critical", "high", "medium", "low"];

function countBy(items, keyOf) {
  const counts = new Map();
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
}

export function spaceOf(record) {
  return record.source?.type === "file" ? "(directory)" : (record.source?.space ?? "?");
}

/** The latest transition of a record, for the "recent events" list when no live event was seen yet. */
function lastTransition(r) {
  if (r.status === "resolved") return { event: "resolved", at: r.resolvedAt };
  if (r.updatedAt && r.updatedAt !== r.openedAt) return { event: "updated", at: r.updatedAt };
  return { event: "opened", at: r.openedAt };
}

export async function renderOverview() {
  const [open, recent] = await Promise.all([
    api.drifts({ status: "open", limit: "1000" }),
    api.drifts({ status: "all", limit: "20" }),
  ]);
  const items = open.items;
  const bySeverity = new Map(SEVERITIES.map((s) => [s, 0]));
  for (const r of items) bySeverity.set(r.severity, (bySeverity.get(r.severity) ?? 0) + 1);
  const looping = items.filter((r) => r.recurrence?.looping).length;
  const events = recent.items
    .map((r) => ({ record: r, ...lastTransition(r) }))
    .sort((a, b) => String(b.at).localeCompare(String(a.at)))
    .slice(0, 12);

  const table = (title, rows, param) => html`
    <section class="card" aria-labelledby="${`by-${param}`}">
      <h2 id="${`by-${param}`}">${title}</h2>
      ${
        rows.length === 0
          ? html`<p class="muted">Nothing open.</p>`
          : html`<table class="compact">
              <thead><tr><th scope="col">${title.replace("By ", "")}</th><th scope="col" class="num">Open</th></tr></thead>
              <tbody>${rows.map(
                ([key, n]) => html`<tr>
                  <td>${param === "space" ? key : html`<a href="#/drifts?${param}=${encodeURIComponent(key)}">${key || "(cluster)"}</a>`}</td>
                  <td class="num">${n}</td></tr>`,
              )}</tbody></table>`
      }
    </section>`;

  return fragment(html`
    <h1>Overview</h1>
    <section class="tiles" aria-label="Open drift by severity">
      <a class="tile" href="#/drifts"><span class="tile-n">${items.length}</span><span class="tile-l">open drifts</span></a>
      ${SEVERITIES.map(
        (s) => html`<a class="tile tile-${s}" href="#/drifts?severity=${s}">
          <span class="tile-n">${bySeverity.get(s)}</span><span class="tile-l">${s}</span></a>`,
      )}
      ${
        looping > 0
          ? html`<a class="tile tile-critical" href="#/drifts" title="drifts that came back after each revert or apply">
          <span class="tile-n">${looping}</span><span class="tile-l">stuck in a loop</span></a>`
          : ""
      }
    </section>
    <p class="muted"><a href="#/fleet">Fleet</a>: every unit across its environments, and drift over time.</p>
    <div class="grid3">
      ${table(
        "By namespace",
        countBy(items, (r) => r.ref.namespace ?? ""),
        "namespace",
      )}
      ${table("By space", countBy(items, spaceOf), "space")}
      <section class="card" aria-labelledby="recent-title">
        <h2 id="recent-title">Recent events</h2>
        ${
          events.length === 0
            ? html`<p class="muted">No drift recorded yet.</p>`
            : html`<ol class="events">${events.map(
                (e) => html`<li class="event event-${e.event}">
                  <span class="event-kind">${e.event}</span>
                  <span><a href="#/drifts/${encodeURIComponent(e.record.id)}">${describeRef(e.record.ref)}</a>
                  ${severityBadge(e.record.severity)}</span> ${time(e.at)}</li>`,
              )}</ol>`
        }
      </section>
    </div>`);
}
