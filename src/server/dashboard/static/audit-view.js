// Every remediation action, newest first: who, when, what, outcome.
import { api } from "./api.js";
import { html, time } from "./html.js";
import { fragment } from "./ui.js";

export async function renderAudit() {
  const { items } = await api.allAudit();
  return fragment(html`
    <h1>Audit</h1>
    ${
      items.length === 0
        ? html`<p class="empty">No remediation action yet.</p>`
        : html`<table class="list audit">
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col">What</th></tr></thead>
          <tbody>${items.map(
            (e) => html`<tr>
              <td>${time(e.at)}</td><td>${e.actor}</td>
              <td>${e.action}${e.dryRun ? html` <span class="tag">dry-run</span>` : ""}</td>
              <td><a href="#/drifts/${encodeURIComponent(e.recordId)}">${e.resource}</a></td>
              <td><span class="outcome outcome-${e.outcome}">${e.outcome}</span></td>
              <td>${e.message}</td></tr>`,
          )}</tbody></table>`
    }`);
}
