// Commands from a model are shown to people, never run; still, only the shapes we would suggest ourselves pass:
// drift-detector commands and read-only kubectl, single commands with no shell operators.
import { DRIFT_ID_PLACEHOLDER } from "./prompt.js";

const SHELL_OPERATORS = /[;&|`$<>\\\n\r]|\$\(/;
const KUBECTL_READ_ONLY =
  /^kubectl\s+(get|describe|logs|top|explain|events|diff|auth\s+can-i|rollout\s+(history|status))\b/;
const DRIFT_DETECTOR = /^drift-detector\s+(drift|hub|check)\b/;

export function isSafeCommand(cmd: string): boolean {
  const c = cmd.trim();
  if (c.length === 0 || c.length > 400 || SHELL_OPERATORS.test(c)) return false;
  return KUBECTL_READ_ONLY.test(c) || DRIFT_DETECTOR.test(c);
}

/** Safe commands with the drift id filled in; commands needing an id are dropped when there is none. */
export function resolveCommands(commands: string[], driftId: string | undefined, max = 6): string[] {
  const out: string[] = [];
  for (const raw of commands) {
    const cmd = raw.trim();
    if (cmd.includes(DRIFT_ID_PLACEHOLDER) && !driftId) continue;
    const resolved = driftId ? cmd.split(DRIFT_ID_PLACEHOLDER).join(driftId) : cmd;
    if (!out.includes(resolved)) out.push(resolved);
  }
  return out.slice(0, max);
}
