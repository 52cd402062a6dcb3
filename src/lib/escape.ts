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

/** A deep copy with every string stripped of terminal sequences (data rendered as text for a terminal). */
export function stripTerminalDeep<T>(v: T): T {
  if (typeof v === "string") return stripTerminal(v) as T;
  if (Array.isArray(v)) return v.map(stripTerminalDeep) as T;
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [stripTerminal(k), stripTerminalDeep(x)])) as T;
  }
  return v;
}
