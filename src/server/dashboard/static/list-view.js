// The drift list with filters (status, severity, namespace, text), kept in the URL so views can be linked.
import { api } from "./api.js";
import { describeRef, html, loopTag, severityBadge, time } from "./html.js";
import { spaceOf } from "./overview-view.js";
import { fragment } from "./ui.js";

function authors(record) {
  const names = new Set();
  for (const c of record.changes ?? []) if (c.by) names.add(c.by.manager);
  return [...names];
}

export async function renderList(state) {
  const p = state.route.params;
  const filters = {
    status: p.get("status") ?? "open",
    severity: p.get("severity") ?? "",
    namespace: p.get("namespace") ?? "",
    q: p.get("q") ?? "",
  };
  const [page, all] = await Promise.all([
    api.drifts({ status: filters.status, severity: filters.severity, namespace: filters.namespace, limit: "500" }),
    api.drifts({ status: "all", limit: "1000" }),
  ]);
  const namespaces = [...new Set(all.items.map((r) => r.ref.namespace ?? ""))].sort();
  const q = filters.q.toLowerCase();
  const items = page.items.filter(
    (r) => !q || describeRef(r.ref).toLowerCase().includes(q) || spaceOf(r).toLowerCase().includes(q),
  );
  // Rows a live event just touched are highlighted for a moment.
  const fresh = new Set(state.events.filter((e) => Date.now() - Date.parse(e.at) < 3000).map((e) => e.record.id));
  const snoozed = new Map((state.remediation.snoozes ?? []).map((s) => [s.recordId, s]));
  const option = (value, label, current) =>
    html`<option value="${value}" ${value === current ? html`selected` : ""}>${label}</option>`;

  const view = fragment(html`
    <h1>Drifts</h1>
    <form class="filters" id="filters" role="search" aria-label="Filter drifts">
      <div><label for="f-status">Status</label>
        <select id="f-status" name="status">
          ${option("open", "Open", filters.status)}${option("resolved", "Resolved", filters.status)}${option("all", "All", filters.status)}
        </select></div>
      <div><label for="f-severity">Severity</label>
        <select id="f-severity" name="severity">
          ${option("", "Any", filters.severity)}
          ${["critical", "high", "medium", "low"].map((s) => option(s, s, filters.severity))}
        </select></div>
      <div><label for="f-namespace">Namespace</label>
        <select id="f-namespace" name="namespace">
          ${option("", "Any", filters.namespace)}
          ${namespaces.map((n) => option(n, n || "(cluster-scoped)", filters.namespace))}
        </select></div>
      <div class="grow"><label for="f-q">Search</label>
        <input id="f-q" name="q" type="search" placeholder="kind, name or space" value="${filters.q}"></div>
    </form>
    <p class="muted count" id="result-count">${items.length} ${items.length === 1 ? "drift" : "drifts"}</p>
    ${
      items.length === 0
        ? html`<p class="empty">No drift matches. ${filters.status === "open" ? "Everything is in sync." : ""}</p>`
        : html`<table class="list" aria-describedby="result-count">
          <thead><tr>
            <th scope="col">Severity</th><th scope="col">Resource</th><th scope="col">Space / unit</th>
            <th scope="col">Changed fields</th><th scope="col">Changed by</th><th scope="col">Opened</th><th scope="col">Status</th>
          </tr></thead>
          <tbody>${items.map(
            (
              r,
            ) => html`<tr data-id="${r.id}" class="${[r.status === "resolved" ? "resolved" : "", fresh.has(r.id) ? "flash" : ""].join(" ").trim()}">
              <td>${severityBadge(r.severity)}</td>
              <td><a class="resource" href="#/drifts/${encodeURIComponent(r.id)}">${describeRef(r.ref)}</a>
                ${r.resourceStatus === "Missing" ? html`<span class="tag tag-missing">missing</span>` : ""}
                ${r.sourceError ? html`<span class="tag tag-source-error" title="${r.sourceError}">source error</span>` : ""}
                ${loopTag(r)}</td>
              <td>${r.source?.type === "file" ? html`<span class="muted">${r.source.path}</span>` : html`${r.source.space} / ${r.source.unit} <span class="muted">rev ${r.source.revision}</span>`}</td>
              <td><span class="fields">${(r.changes ?? []).slice(0, 3).map((c) => html`<code>${c.field}</code> `)}${(r.changes ?? []).length > 3 ? html`<span class="muted">+${r.changes.length - 3}</span>` : ""}</span></td>
              <td>${authors(r).join(", ") || html`<span class="muted">unknown</span>`}</td>
              <td>${time(r.openedAt)}</td>
              <td>${r.status}${snoozed.has(r.id) ? html` <span class="tag">snoozed</span>` : ""}</td>
            </tr>`,
          )}</tbody></table>`
    }`);

  const form = view.querySelector("#filters");
  const apply = () => {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v && !(k === "status" && v === "open")) params.set(k, String(v));
    const next = `#/drifts${params.size ? `?${params}` : ""}`;
    if (location.hash !== next) history.replaceState(null, "", next);
    window.dispatchEvent(new CustomEvent("dashboard:refresh"));
  };
  for (const select of form.querySelectorAll("select")) select.addEventListener("change", apply);
  let typing;
  form.querySelector("#f-q").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(apply, 250);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    apply();
  });
  return view;
}
