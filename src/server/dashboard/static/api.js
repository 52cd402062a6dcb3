// The service's HTTP API, the token (sessionStorage: this tab only) and the live event stream.

const TOKEN_KEY = "drift-detector.token";
const ACTOR_KEY = "drift-detector.actor";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  },
  get actor() {
    return sessionStorage.getItem(ACTOR_KEY) ?? "";
  },
  save(token, actor) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(ACTOR_KEY, actor);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

async function request(method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  // Sent on reads too: an authenticated reader also sees who changed a drift (personal data).
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: text };
  }
  if (!res.ok) {
    const message = data?.message ?? data?.error ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, message, data);
  }
  return data;
}

export const api = {
  drifts: (query = {}) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
    return request("GET", `/api/drifts?${params}`);
  },
  drift: (id) => request("GET", `/api/drifts/${encodeURIComponent(id)}`),
  audit: (id) => request("GET", `/api/drifts/${encodeURIComponent(id)}/audit`),
  allAudit: () => request("GET", "/api/audit?limit=200"),
  remediation: () => request("GET", "/api/remediation"),
  environments: () => request("GET", "/api/stats/environments"),
  timeline: (bucket) => request("GET", `/api/stats/timeline?bucket=${bucket}`),
  resolution: () => request("GET", "/api/stats/resolution"),
  act: (id, body) =>
    request("POST", `/api/drifts/${encodeURIComponent(id)}/actions`, { ...body, actor: session.actor || undefined }),
};

/** Subscribes to drift events; `onState` gets "live" | "reconnecting". EventSource reconnects by itself. */
export function subscribe(onEvent, onState) {
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => onState("live"));
  source.addEventListener("error", () => onState("reconnecting"));
  source.addEventListener("drift", (e) => {
    try {
      onEvent(JSON.parse(e.data));
    } catch {
      // a malformed event is dropped
    }
  });
  return () => source.close();
}
