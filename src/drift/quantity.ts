// Kubernetes resource.Quantity: `0.5` = `500m`, `1Gi` = `1024Mi`, `1e3` = `1k`. Compared by value, never by text.

const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The numeric value of a quantity (string or number), or undefined when it is not one. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = QUANTITY.exec(value.trim());
  if (m === null) return undefined;
  const mantissa = Number(m[1]);
  if (m[2] !== undefined) return mantissa * 10 ** Number(m[2].slice(1));
  return mantissa * SUFFIX[m[3] ?? ""];
}

/** True when both are quantities of the same value (relative tolerance covers binary/decimal float rounding). */
export function quantitiesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return false;
  if (x === y) return true;
  const scale = Math.max(Math.abs(x), Math.abs(y));
  return Math.abs(x - y) <= scale * 1e-12;
}
