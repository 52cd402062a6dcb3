// The action dialog: choose options, preview with a dry-run (exactly what would change), then confirm.
import { ApiError, api, session } from "./api.js";
import { describeRef, formatValue, html } from "./html.js";
import { openTokenDialog, toast } from "./ui.js";

const TITLES = {
  revert: "Revert the cluster to the desired state",
  accept: "Accept the live values into the hub",
  ignore: "Ignore this drift",
};
const CONFIRM = { revert: "Revert now", accept: "Write the new revision", ignore: "Ignore" };

function options(record, action) {
  if (action !== "ignore") return "";
  return html`<fieldset class="ignore-options">
    <legend>How</legend>
    <div><input type="radio" id="ig-snooze" name="how" value="snooze" checked>
      <label for="ig-snooze">Snooze for</label>
      <select id="ig-until" name="until" aria-label="Snooze duration">
        <option value="1h">1 hour</option><option value="4h">4 hours</option><option value="24h" selected>1 day</option><option value="168h">1 week</option>
      </select></div>
    <div><input type="radio" id="ig-rule" name="how" value="rule">
      <label for="ig-rule">Ignore these fields from now on (an ignore rule for this resource)</label></div>
    <ul class="paths">${record.changes.map(
      (c, i) => html`<li><input type="checkbox" id="${`ig-p${i}`}" name="path" value="${c.path}" checked>
        <label for="${`ig-p${i}`}"><code>${c.field}</code></label></li>`,
    )}</ul>
    <label for="ig-reason">Reason <span class="muted">(optional)</span></label>
    <input id="ig-reason" name="reason" type="text" maxlength="200">
  </fieldset>`;
}

function requestBody(form, action) {
  if (action !== "ignore") return {};
  const data = new FormData(form);
  if (data.get("how") === "snooze") return { until: String(data.get("until")) };
  const reason = String(data.get("reason") ?? "").trim();
  return { paths: data.getAll("path").map(String), ...(reason ? { reason } : {}) };
}

function preview(result) {
  if (result.fields?.length) {
    return html`<table class="diff diff-split compact">
      <caption>${result.message}</caption>
      <thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">After</th></tr></thead>
      <tbody>${result.fields.map(
        (f) => html`<tr><th scope="row"><code>${f.path}</code></th>
          <td class="del">${f.before === undefined ? html`<span class="muted">(absent)</span>` : html`<pre>${formatValue(f.before)}</pre>`}</td>
          <td class="add">${f.after === undefined ? html`<span class="muted">(removed)</span>` : html`<pre>${formatValue(f.after)}</pre>`}</td></tr>`,
      )}</tbody></table>`;
  }
  if (result.diff) {
    return html`<p>${result.message}</p><pre class="patch" aria-label="Diff of the unit's data">${result.diff
      .split("\n")
      .map(
        (l) =>
          html`<span class="${l.startsWith("+") ? "u-add" : l.startsWith("-") ? "u-del" : l.startsWith("@@") ? "u-hunk" : ""}">${l}</span>\n`,
      )}</pre>`;
  }
  return html`<p>${result.message}</p>`;
}

async function withToken(run) {
  if (!session.token && !(await openTokenDialog())) throw new Error("cancelled");
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      session.clear();
      toast("The token was not accepted; enter it again.", "error");
      if (await openTokenDialog()) return run();
    }
    throw err;
  }
}

export function openAction(record, action) {
  const dialog = document.getElementById("action-dialog");
  const body = document.getElementById("action-body");
  body.innerHTML = String(html`
    <form id="action-form">
      <h2 id="action-title">${TITLES[action]}</h2>
      <p class="muted">${describeRef(record.ref)}</p>
      ${options(record, action)}
      <div id="action-preview" class="preview" aria-live="polite"><p class="muted">Preview first: a dry-run shows exactly what would change, and changes nothing.</p></div>
      <div class="dialog-buttons">
        <button type="button" class="btn" id="action-cancel">Cancel</button>
        <button type="button" class="btn" id="action-dry-run">Preview (dry-run)</button>
        <button type="button" class="btn btn-primary" id="action-confirm" disabled>${CONFIRM[action]}</button>
      </div>
    </form>`);
  const form = body.querySelector("#action-form");
  const out = body.querySelector("#action-preview");
  const dryRunButton = body.querySelector("#action-dry-run");
  const confirm = body.querySelector("#action-confirm");
  const busy = (on) => {
    dryRunButton.disabled = on;
    form.setAttribute("aria-busy", String(on));
  };
  const fail = (err) => {
    if (err.message === "cancelled") return;
    out.innerHTML = String(
      html`<p class="error" role="alert">${err.status ? `${err.status}: ` : ""}${err.message}</p>`,
    );
  };
  // Changing an option invalidates the preview: confirm needs a fresh one.
  form.addEventListener("change", () => {
    confirm.disabled = true;
  });
  dryRunButton.addEventListener("click", async () => {
    busy(true);
    try {
      const result = await withToken(() => api.act(record.id, { action, dryRun: true, ...requestBody(form, action) }));
      out.innerHTML = String(preview(result));
      confirm.disabled = false;
      confirm.focus();
    } catch (err) {
      fail(err);
    } finally {
      busy(false);
    }
  });
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    busy(true);
    out.insertAdjacentHTML("beforeend", String(html`<p class="muted">Working…</p>`));
    try {
      const result = await withToken(() => api.act(record.id, { action, dryRun: false, ...requestBody(form, action) }));
      dialog.close();
      toast(result.message, result.outcome === "succeeded" ? "ok" : "error");
      window.dispatchEvent(new CustomEvent("dashboard:refresh"));
    } catch (err) {
      fail(err);
    } finally {
      busy(false);
    }
  });
  body.querySelector("#action-cancel").addEventListener("click", () => dialog.close());
  dialog.showModal();
  dryRunButton.focus();
}
