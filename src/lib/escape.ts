// Untrusted text (object names, field paths, manager names, model output) shown where markup or control sequences
// act: Slack mrkdwn (`<!channel>`, `<url|text>` links) and the terminal (ANSI/OSC sequences that move the cursor,
// rewrite earlier lines, set the title or write links and clipboard).

/** Slack's own escaping: &, < and > as entities, so nothing in the value is a mention, link or command. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A value for inside a Slack code span: escaped, and without backticks that would end the span. */
export function slackCode(s: string): string {
  return `\`${slackEscape(s).replace(/`/g, "'")}\``;
}

// ESC sequences (CSI, OSC up to BEL or ST, two-character forms), then any other C0/C1 control but tab and newline.
const TERMINAL_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `s` without terminal control sequences (tab and newline kept). */
export function stripTerminal(s: string): string {
  return s.replace(TERMINAL_SEQUENCES, "");
}

// The first character of any sequence TERMINAL_SEQUENCES removes: most strings have none and are kept as they are.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ANY_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * `v` with every string stripped of terminal sequences (data rendered as text for a terminal). Only what holds such
 * a string is copied: the rest is `v`'s own, so the result must be read, not changed.
 */
export function stripTerminalDeep<T>(v: T): T {
  if (typeof v === "string") return (ANY_CONTROL.test(v) ? stripTerminal(v) : v) as T;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = stripTerminalDeep(v[i]);
      if (x === v[i]) continue;
      out ??= v.slice();
      out[i] = x;
    }
    return (out ?? v) as T;
  }
  if (v !== null && typeof v === "object") {
    let out: Record<string, unknown> | undefined;
    const entries = Object.entries(v);
    entries.forEach(([k, x], i) => {
      const key = stripTerminalDeep(k);
      const value = stripTerminalDeep(x);
      if (!out && (key !== k || value !== x)) out = Object.fromEntries(entries.slice(0, i));
      if (out) out[key] = value;
    });
    return (out ?? v) as T;
  }
  return v;
}
