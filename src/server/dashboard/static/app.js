// The dashboard: a hash router over five views, one shared state fed by the API and the live event stream.
import { api, session, subscribe } from "./api.js";
import { renderAudit } from "./audit-view.js";
import { renderDetail } from "./detail-view.js";
import { renderFleet } from "./fleet-view.js";
import { renderList } from "./list-view.js";
import { renderOverview } from "./overview-view.js";
import { openTokenDialog, toast } from "./ui.js";

const main = document.getElementById("main");

export const state = {
  remediation: { mode: "off", actionsEnabled: false, snoozes: [] },
  /** Recent transitions seen live (newest first). */
  events: [],
  route: { view: "overview", params: new URLSearchParams(), id: null },
};

function parseRoute() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = hash.split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "drifts" && parts[1]) return { view: "detail", id: decodeURIComponent(parts[1]), params };
  if (parts[0] === "drifts") return { view: "list", params };
  if (parts[0] === "audit") return { view: "audit", params };
  if (parts[0] === "fleet") return { view: "fleet", params };
  return { view: "overview", params };
}

let renderSeq = 0;
export async function render({ quiet = false } = {}) {
  const seq = ++renderSeq;
  state.route = parseRoute();
  for (const a of document.querySelectorAll("[data-nav]")) {
    const current = a.dataset.nav === state.route.view || (a.dataset.nav === "drifts" && state.route.view === "detail");
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const views = {
    overview: renderOverview,
    fleet: renderFleet,
    list: renderList,
    detail: renderDetail,
    audit: renderAudit,
  };
  try {
    const content = await views[state.route.view](state);
    if (seq !== renderSeq) return; // a newer navigation won
    const focused = document.activeElement?.id;
    main.replaceChildren(content);
    if (quiet && focused) {
      const el = document.getElementById(focused);
      el?.focus();
      if (el?.setSelectionRange && el.type === "search") el.setSelectionRange(el.value.length, el.value.length);
    }
  } catch (err) {
    if (seq !== renderSeq) return;
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = `Cannot load this page: ${err.message}`;
    main.replaceChildren(p);
  }
}

function setLive(stateName) {
  const el = document.getElementById("live");
  el.dataset.state = stateName;
  el.querySelector(".label").textContent = stateName === "live" ? "live" : "reconnecting…";
}

function updateHeader() {
  const mode = document.getElementById("mode");
  mode.textContent = `remediation: ${state.remediation.mode}`;
  mode.dataset.mode = state.remediation.mode;
  const button = document.getElementById("token-button");
  const who = session.identity;
  if (!who?.authenticated) {
    button.textContent = "Sign in";
    button.title = "";
    return;
  }
  const may = Object.entries(who.can ?? {})
    .filter(([, allowed]) => allowed)
    .map(([what]) => what);
  button.textContent = `Signed in as ${who.username}`;
  button.title = `may: ${may.join(", ") || "nothing here"}`;
}

/** Who the saved token names; a refused token is forgotten. */
async function loadSession() {
  session.identity = null;
  if (session.token) {
    try {
      session.identity = await api.whoami();
    } catch {
      session.clear();
      toast("The token was not accepted; sign in again.", "error");
    }
  }
  try {
    state.remediation = await api.remediation();
  } catch (err) {
    // Off loopback every read needs a token: ask for one (saving it loads the session again).
    if (err.status === 401 && (await openTokenDialog())) return;
    toast("Cannot read the remediation settings; actions are hidden.", "error");
  }
  updateHeader();
}

let unsubscribe = () => {};
function resubscribe() {
  unsubscribe();
  unsubscribe = subscribe(onDriftEvent, setLive);
}

let pending = null;
function onDriftEvent(ev) {
  state.events.unshift({ ...ev, at: new Date().toISOString() });
  state.events.length = Math.min(state.events.length, 50);
  // Coalesce bursts: one re-render per 250 ms at most.
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    const { view, id } = state.route;
    if (view === "detail" && !state.events.some((e) => e.record.id === id)) return;
    render({ quiet: true });
  }, 250);
}

async function start() {
  document.getElementById("token-button").addEventListener("click", async () => {
    await openTokenDialog();
    render({ quiet: true });
  });
  window.addEventListener("dashboard:refresh", () => render({ quiet: true }));
  window.addEventListener("dashboard:session", async () => {
    await loadSession();
    resubscribe();
  });
  window.addEventListener("hashchange", () => {
    render().then(() => main.focus({ preventScroll: true }));
  });
  await loadSession();
  resubscribe();
  await render();
}

start();
