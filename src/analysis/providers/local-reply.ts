// What a local model answers, read leniently: small models wrap their JSON in fences, prose or <think> blocks, and
// miss the reply schema's outer shape in a few predictable ways.
import { TOOL_NAME } from "../prompt.js";

// Balanced {...} / [...] spans of a text, strings respected, first opening first; bounded for long prose.
function* jsonSpans(text: string, max = 32): Generator<string> {
  let tried = 0;
  for (let start = 0; start < text.length && tried < max; start++) {
    const open = text[start];
    if (open !== "{" && open !== "[") continue;
    tried++;
    const stack: string[] = [];
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") stack.push(c === "{" ? "}" : "]");
      else if (c === "}" || c === "]") {
        if (stack.pop() !== c) break;
        if (stack.length === 0) {
          yield text.slice(start, i + 1);
          break;
        }
      }
    }
  }
}

export const tryParse = (s: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(s) };
  } catch {
    return { ok: false };
  }
};

const looksLikeAnswer = (v: unknown) =>
  Array.isArray(v) || (typeof v === "object" && v !== null && ("analyses" in v || TOOL_NAME in v));

/**
 * JSON from a model's text: as is, or what small models wrap it in: a ```json fence, prose before or after, a
 * <think> block. Among several JSON values the one that looks like the answer wins.
 */
export function jsonFromText(text: string): unknown {
  const body = text.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  const whole = tryParse(body);
  if (whole.ok) return whole.value;
  const candidates: unknown[] = [];
  for (const m of body.matchAll(/```[A-Za-z]*[^\S\n]*\n?([\s\S]*?)```/g)) {
    const r = tryParse(m[1].trim());
    if (r.ok) candidates.push(r.value);
  }
  for (const span of jsonSpans(body)) {
    const r = tryParse(span);
    if (r.ok) candidates.push(r.value);
  }
  if (candidates.length === 0) throw new Error("no JSON object in the reply");
  return candidates.find(looksLikeAnswer) ?? candidates[0];
}

/** The reply schema's shape from the near misses models produce: a bare array, the tool name as a wrapper. */
export function asReply(v: unknown): unknown {
  if (Array.isArray(v)) return { analyses: v };
  if (v && typeof v === "object" && !("analyses" in v)) {
    const o = v as Record<string, unknown>;
    if (o[TOOL_NAME] && typeof o[TOOL_NAME] === "object") return asReply(o[TOOL_NAME]);
    if (typeof o.id === "string" && "summary" in o) return { analyses: [o] };
  }
  return v;
}
