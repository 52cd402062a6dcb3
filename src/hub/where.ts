import { badRequest } from "./errors.js";

// ConfigHub's `where` language, the subset in the fact sheet: `attribute op operand` joined by AND (no OR), where
// an operand is a literal ('text', 12, true) or another attribute (`UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum`).

export type Operator =
  | "="
  | "!="
  | "<"
  | ">"
  | "<="
  | ">="
  | "LIKE"
  | "NOT LIKE"
  | "ILIKE"
  | "NOT ILIKE"
  | "IN"
  | "NOT IN"
  | "IS NULL"
  | "IS NOT NULL";

export type Operand = { attr: string } | { value: string | number | boolean };

export interface Condition {
  /** Dotted attribute: `Slug`, `Labels.tier`, `Space.Slug`, `UpstreamUnit.HeadRevisionNum`. */
  attr: string;
  op: Operator;
  /** One operand for comparisons, a list for IN, none for IS [NOT] NULL. */
  right?: Operand | Operand[];
}

type Token =
  | { t: "word"; v: string }
  | { t: "str"; v: string }
  | { t: "num"; v: number }
  | { t: "op"; v: string }
  | { t: "punct"; v: string };

const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_][-A-Za-z0-9_./]*)?/y;
const NUM = /-?\d+(?:\.\d+)?/y;
const OP = /<=|>=|!=|<>|=|<|>/y;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const at = (re: RegExp) => {
    re.lastIndex = i;
    const m = re.exec(src);
    return m ? m[0] : null;
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) throw badRequest(`where: unterminated string starting at ${src.slice(0, 40)}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: "str", v });
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      out.push({ t: "punct", v: c });
      i++;
      continue;
    }
    const num = at(NUM);
    if (num !== null) {
      out.push({ t: "num", v: Number(num) });
      i += num.length;
      continue;
    }
    const op = at(OP);
    if (op !== null) {
      out.push({ t: "op", v: op === "<>" ? "!=" : op });
      i += op.length;
      continue;
    }
    const word = at(WORD);
    if (word !== null) {
      out.push({ t: "word", v: word });
      i += word.length;
      continue;
    }
    throw badRequest(`where: unexpected "${c}" at position ${i + 1}`);
  }
  return out;
}

const isKw = (tok: Token | undefined, kw: string) => tok?.t === "word" && tok.v.toUpperCase() === kw;

/** Parses a where expression; an empty one matches everything. Throws 400 with the reason on bad input. */
export function parseWhere(src: string | undefined): Condition[] {
  if (!src?.trim()) return [];
  const toks = tokenize(src);
  let p = 0;
  const fail = (what: string): never => {
    const tok = toks[p];
    throw badRequest(`where: expected ${what}${tok ? ` near "${String(tok.v)}"` : " at the end"} in: ${src}`);
  };
  const operand = (): Operand => {
    const tok = toks[p];
    if (tok?.t === "str" || tok?.t === "num") {
      p++;
      return { value: tok.v };
    }
    if (isKw(tok, "TRUE") || isKw(tok, "FALSE")) {
      p++;
      return { value: (tok as { v: string }).v.toUpperCase() === "TRUE" };
    }
    if (tok?.t === "word" && !["AND", "NULL"].includes(tok.v.toUpperCase())) {
      p++;
      return { attr: tok.v };
    }
    return fail("a value or an attribute");
  };
  const conditions: Condition[] = [];
  for (;;) {
    const attrTok = toks[p];
    if (attrTok?.t !== "word") fail("an attribute");
    const attr = (attrTok as { v: string }).v;
    p++;
    let op: Operator;
    const tok = toks[p];
    if (tok?.t === "op") {
      op = tok.v as Operator;
      p++;
      conditions.push({ attr, op, right: operand() });
    } else if (isKw(tok, "IS")) {
      p++;
      const not = isKw(toks[p], "NOT");
      if (not) p++;
      if (!isKw(toks[p], "NULL")) fail("NULL");
      p++;
      conditions.push({ attr, op: not ? "IS NOT NULL" : "IS NULL" });
    } else {
      const not = isKw(tok, "NOT");
      if (not) p++;
      const kw = toks[p]?.t === "word" ? (toks[p] as { v: string }).v.toUpperCase() : "";
      if (kw === "LIKE" || kw === "ILIKE") {
        p++;
        op = `${not ? "NOT " : ""}${kw}` as Operator;
        const right = operand();
        if (!("value" in right) || typeof right.value !== "string") fail("a quoted pattern");
        conditions.push({ attr, op, right });
      } else if (kw === "IN") {
        p++;
        if (toks[p]?.v !== "(") fail("(");
        p++;
        const list: Operand[] = [];
        for (;;) {
          const item = operand();
          if (!("value" in item)) fail("a literal in the IN list");
          list.push(item);
          if (toks[p]?.v === ",") {
            p++;
            continue;
          }
          if (toks[p]?.v === ")") {
            p++;
            break;
          }
          fail(", or )");
        }
        conditions.push({ attr, op: not ? "NOT IN" : "IN", right: list });
      } else {
        fail("an operator (= != < > <= >= LIKE ILIKE IN IS NULL)");
      }
    }
    if (p >= toks.length) break;
    if (isKw(toks[p], "OR")) throw badRequest(`where: OR is not supported, only AND: ${src}`);
    if (!isKw(toks[p], "AND")) fail("AND");
    p++;
  }
  return conditions;
}

/** Escapes a value for a single-quoted `where` literal. */
export function quote(value: string): string {
  return value.replace(/'/g, "''");
}
