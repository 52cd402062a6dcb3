import { badRequest } from "./errors.js";

const SLUG = /^[A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?$/;

/** ConfigHub's slug rule: at most 128 characters, letters/digits, `-_.` inside. */
export function checkSlug(slug: unknown, what = "Slug"): string {
  if (typeof slug !== "string" || slug.length === 0) throw badRequest(`${what} is required`);
  if (slug.length > 128) throw badRequest(`${what} "${slug.slice(0, 40)}…" is longer than 128 characters`);
  if (!SLUG.test(slug)) {
    throw badRequest(`${what} "${slug}" is invalid: use letters, digits and - _ . (not at the start or end)`);
  }
  return slug;
}

export function checkLabels(labels: unknown, what = "Labels"): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== "object" || Array.isArray(labels)) throw badRequest(`${what} must be an object of strings`);
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== "string") throw badRequest(`${what}.${k} must be a string`);
  }
  return labels as Record<string, string>;
}
