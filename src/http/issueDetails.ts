import type { $ZodIssue, $ZodType } from "zod/v4/core";
import { editDistance } from "../utils/editDistance.ts";
import { fieldPlaces, locate, templateText, type Template } from "./schemaFields.ts";

/** One entry of a `bad_request` answer's `details` (docs/CONTRACT.md §7). */
export interface Detail {
  /** Where in the input, dot-separated (`items.0.grant.download_limit`); "" for the whole input. */
  path: string;
  message: string;
  /** For an unknown field: the path of the field that was probably meant. */
  suggestion?: string;
}

/**
 * Names the store's words for the gateway's fields: the token's claim names (docs/TOKEN.md)
 * and common synonyms. Used only when the named field exists in the schema at hand.
 */
const ALIASES: Readonly<Record<string, string>> = {
  lim: "download_limit",
  limit: "download_limit",
  max_downloads: "download_limit",
  downloads: "download_limit",
  exp: "expires_at",
  expiry: "expires_at",
  ips: "ip_restriction",
  ip: "ip_restriction",
  allowed_ips: "ip_restriction",
  dev: "device_limit",
  devices: "device_limit",
  max_devices: "device_limit",
  auth: "require_login",
  login: "require_login",
  sub: "customer_id",
  customer: "customer_id",
  ord: "order_number",
  order: "order_number",
  number: "order_number",
  fid: "file_ids",
  file_id: "file_ids",
  files: "file_ids",
  fn: "name",
  filename: "name",
  file_name: "name",
  mime: "mime_type",
  content_type: "mime_type",
  type: "mime_type",
};

/**
 * The `details` of invalid input. Every issue names its path; an unknown field (strict
 * schemas refuse them: a restriction silently dropped would make a link unlimited) also says
 * what was probably meant: a field of the same object spelled alike ("download_limt",
 * "downloadLimit", a claim name such as "ips"), or the same field where it belongs
 * (`download_limit` on an item belongs in its `grant`).
 */
export function issueDetails(schema: $ZodType, raw: unknown, issues: readonly $ZodIssue[]): Detail[] {
  const all = flatIssues(issues);
  // A 1 MiB body can hold a hundred thousand bad fields: answer the first ones, count the rest.
  const details = all
    .slice(0, MAX_DETAILS)
    .map((entry) =>
      "key" in entry
        ? unknownField(schema, raw, entry.path, entry.key)
        : { path: entry.path.map(String).join("."), message: entry.message },
    );
  if (all.length > MAX_DETAILS) details.push({ path: "", message: `and ${all.length - MAX_DETAILS} more` });
  return details;
}

type Entry = { path: PropertyKey[]; key: string } | { path: PropertyKey[]; message: string };

/** One entry per bad field: an unknown-keys issue names each of its keys. */
function flatIssues(issues: readonly $ZodIssue[]): Entry[] {
  return issues.flatMap((issue): Entry[] =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: issue.path, key }))
      : [{ path: issue.path, message: issue.message }],
  );
}

/** How many bad fields the issues name, the ones past MAX_DETAILS included. */
export function issueCount(issues: readonly $ZodIssue[]): number {
  return flatIssues(issues).length;
}

/** How many fields one answer names. */
const MAX_DETAILS = 50;

/** Past this length a name is no misspelling of a field, and comparing it would only cost time. */
const MAX_HINTED_NAME = 64;

interface Candidate {
  name: string;
  /** The template of the object that has it. */
  place: Template;
}

function unknownField(schema: $ZodType, raw: unknown, path: readonly PropertyKey[], key: string): Detail {
  const at = [...path.map(String), key].join(".");
  if (key.length > MAX_HINTED_NAME) return { path: at, message: "unknown field" };
  const { objects, template } = locate(schema, path, raw);
  const here = [...new Set(objects.flatMap((o) => Object.keys(o.shape)))].map((name) => ({ name, place: template }));
  const elsewhere = [...fieldPlaces(schema)].flatMap(([name, places]) =>
    places.filter((place) => !sameTemplate(place, template)).map((place) => ({ name, place })),
  );
  const misplaced = elsewhere.filter((c) => c.name === key);
  const wanted = normalize(key);

  const pick: Candidate[] =
    [
      here.filter((c) => c.name === wanted),
      misplaced,
      elsewhere.filter((c) => c.name === wanted),
      here.filter((c) => c.name === ALIASES[wanted]),
      closest(here, wanted),
      elsewhere.filter((c) => c.name === ALIASES[wanted]),
      closest(elsewhere, wanted),
    ].find((list) => list.length > 0) ?? [];
  if (pick.length === 0) {
    // Known only in another variant of this very object (e.g. `public_jwk` on an HS256 key).
    const variant = [...fieldPlaces(schema)].some(
      ([name, places]) => name === key && places.some((p) => sameTemplate(p, template)),
    );
    return { path: at, message: variant ? "not allowed with the other fields given" : "unknown field" };
  }
  const best = nearest(pick, template);
  if (best.name === key) {
    return {
      path: at,
      message: `unknown field here; it belongs ${where(best.place, template)}`,
      suggestion: concretePath(best, path),
    };
  }
  const names = [...new Set(pick.filter((c) => sameTemplate(c.place, best.place)).map((c) => `"${c.name}"`))];
  const place = sameTemplate(best.place, template) ? "" : ` ${where(best.place, template)}`;
  return {
    path: at,
    message: `unknown field; did you mean ${names.join(" or ")}${place}?`,
    suggestion: concretePath(best, path),
  };
}

/** `downloadLimit`, `Download-Limit` → `download_limit`: the schemas' spelling. */
function normalize(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[-\s]+/g, "_")
    .toLowerCase();
}

/** Typos (edit distance, tighter for short names) and part names ("limit", "resume_window"). */
function closest(candidates: Candidate[], wanted: string): Candidate[] {
  const allowed = wanted.length <= 2 ? 0 : wanted.length <= 5 ? 1 : wanted.length <= 10 ? 2 : 3;
  const scored = candidates
    .map((c) => ({ c, distance: editDistance(wanted, c.name) }))
    .filter(({ c, distance }) => distance <= allowed || partsOf(wanted, c.name));
  const best = Math.min(...scored.map((s) => s.distance));
  return scored.filter((s) => s.distance === best).map((s) => s.c);
}

/** Whether every word of `wanted` (plural or not) is a word of `name`, e.g. `resume_window` of `resume_window_seconds`. */
function partsOf(wanted: string, name: string): boolean {
  const singular = (word: string) => word.replace(/s$/, "");
  const words = wanted.split("_").filter(Boolean).map(singular);
  const nameWords = new Set(name.split("_").map(singular));
  return words.some((w) => w.length >= 3) && words.every((w) => nameWords.has(w));
}

function sameTemplate(a: Template, b: Template): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}

function isWithin(place: Template, template: Template): boolean {
  return place.length > template.length && template.every((segment, i) => segment === place[i]);
}

/** Places inside the current object first, then the shallowest. */
function nearest(candidates: Candidate[], template: Template): Candidate {
  const rank = (c: Candidate) => (isWithin(c.place, template) ? 0 : 1000) + c.place.length;
  return candidates.reduce((best, c) => (rank(c) < rank(best) ? c : best));
}

/** "in grant" (inside the current object), "in items[].grant" or "at the top level". */
function where(place: Template, template: Template): string {
  if (place.length === 0) return "at the top level";
  return `in ${templateText(isWithin(place, template) ? place.slice(template.length) : place)}`;
}

/** The candidate's full path, with the indices (and record keys) of the current path while the two agree. */
function concretePath(candidate: Candidate, path: readonly PropertyKey[]): string {
  let agree = true;
  const segments = candidate.place.map((segment, i) => {
    const step = path[i];
    const wildcard = segment === "[]" || segment === "*";
    const filled = wildcard && agree && step !== undefined ? String(step) : segment;
    agree &&= step !== undefined && filled === String(step);
    return filled;
  });
  return templateText([...segments, candidate.name]);
}
