// The service's HTTP API, the token (sessionStorage: this tab only, sent as an Authorization header on every
// request, never a cookie) and the live event stream.

const TOKEN_KEY = "drift-detector.token";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  },
  /** Who the token names and what they may do (GET /api/whoami), once signed in. */
  identity: null,
  save(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    session.identity = null;
  },
};

const authHeaders = () => (session.token ? { authorization: `Bearer ${session.token}` } : {});

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

async function request(method, path, body) {
  const headers = { accept: "application/json", ...authHeaders() };
  if (body !== undefined) headers["content-type"] = "application/json";
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
  whoami: () => request("GET", "/api/whoami"),
  act: (id, body) => request("POST", `/api/drifts/${encodeURIComponent(id)}/actions`, body),
};

/**
 * Subscribes to drift events; `onState` gets "live" | "reconnecting". EventSource cannot send a header, so the
 * stream is read with fetch (the token in the Authorization header) and reopened after a pause when it ends.
 */
export function subscribe(onEvent, onState) {
  let stopped = false;
  let controller = null;
  const dispatch = (block) => {
    const lines = block.split("\n");
    if (!lines.includes("event: drift")) return;
    const data = lines.find((l) => l.startsWith("data: "));
    try {
      onEvent(JSON.parse(data.slice(6)));
    } catch {
      // a malformed event is dropped
    }
  };
  const open = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch("/api/events", { headers: authHeaders(), signal: controller.signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        onState("live");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
          }
        }
      } catch {
        // reconnect below
      }
      if (stopped) return;
      onState("reconnecting");
      await new Promise((r) => setTimeout(r, 3000));
    }
  };
  open();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
