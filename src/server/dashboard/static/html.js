// Safe HTML building: every interpolated value is escaped unless it is itself built with `html`.
// Live values come from the cluster and are untrusted: never put them anywhere but through this.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

class SafeHtml {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

function render(value) {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(value);
}

/** Tagged template: html`<p>${untrusted}</p>` */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

export function mount(element, content) {
  element.innerHTML = render(content);
}

/** A value for display: strings as they are, everything else as indented JSON. */
export function formatValue(value) {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

export function describeRef(ref) {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export function timeAgo(iso) {
  if (!iso) return "";
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function time(iso) {
  if (!iso) return html`<span class="muted">unknown</span>`;
  const d = new Date(iso);
  return html`<time datetime="${iso}" title="${d.toLocaleString()}">${timeAgo(iso)}</time>`;
}

export function severityBadge(severity) {
  if (!severity) return "";
  return html`<span class="sev sev-${severity}">${severity}</span>`;
}

export function by(attribution) {
  if (!attribution) return html`<span class="muted">unknown</span>`;
  const how = attribution.subresource ? `${attribution.operation} ${attribution.subresource}` : attribution.operation;
  return html`<span class="who"><strong>${attribution.manager}</strong> <span class="muted">(${how})</span></span>`;
}

/** The stuck-drift-loop tag of a record that keeps reopening after each resolution. */
export function loopTag(record) {
  const r = record.recurrence;
  if (!r?.looping) return "";
  return html`<span class="tag tag-loop" title="reopened ${r.reopened} times in a row soon after being resolved">loop ×${r.reopened}</span>`;
}
