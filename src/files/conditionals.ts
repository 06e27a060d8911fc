/**
 * Conditional request evaluation, RFC 9110 §13.2.2 order:
 * If-Match → If-Unmodified-Since → If-None-Match → If-Modified-Since, then If-Range.
 * Done here rather than by R2's `onlyIf` because R2 cannot say *which* precondition
 * failed (304 vs 412) and throws on some malformed headers; here nothing throws.
 */
export interface Validators {
  /** Strong ETag, quoted, e.g. `"5d41402abc4b2a76b9719d911017c592"`. */
  etag: string;
  /** Last modification, Unix milliseconds. */
  lastModified: number;
}

export type ConditionalOutcome = "proceed" | "not_modified" | "precondition_failed";

/** Splits an If-Match / If-None-Match value into entity tags; null when malformed. */
function parseEntityTags(value: string): string[] | "*" | null {
  const trimmed = value.trim();
  if (trimmed === "*") return "*";
  const tags: string[] = [];
  const re = /\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(,|$)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < trimmed.length && (match = re.exec(trimmed)) !== null) {
    tags.push((match[1] ?? "") + match[2]);
    consumed = re.lastIndex;
    if (match[3] === "") break;
  }
  return consumed === trimmed.length && tags.length > 0 ? tags : null;
}

const opaque = (tag: string): string => (tag.startsWith("W/") ? tag.slice(2) : tag);

function strongMatch(tags: string[] | "*", etag: string): boolean {
  return tags === "*" || tags.some((t) => !t.startsWith("W/") && t === etag);
}

function weakMatch(tags: string[] | "*", etag: string): boolean {
  return tags === "*" || tags.some((t) => opaque(t) === opaque(etag));
}

/** HTTP-date → Unix seconds, or null when unparseable (a bad date means "no condition"). */
function httpDateSeconds(value: string | null): number | null {
  if (value === null) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

export function evaluateConditionals(headers: Headers, v: Validators): ConditionalOutcome {
  const modifiedSec = Math.floor(v.lastModified / 1000);

  const ifMatch = headers.get("If-Match");
  if (ifMatch !== null) {
    const tags = parseEntityTags(ifMatch);
    if (tags === null || !strongMatch(tags, v.etag)) return "precondition_failed";
  } else {
    const since = httpDateSeconds(headers.get("If-Unmodified-Since"));
    if (since !== null && modifiedSec > since) return "precondition_failed";
  }

  const ifNoneMatch = headers.get("If-None-Match");
  if (ifNoneMatch !== null) {
    const tags = parseEntityTags(ifNoneMatch);
    if (tags !== null && weakMatch(tags, v.etag)) return "not_modified";
  } else {
    const since = httpDateSeconds(headers.get("If-Modified-Since"));
    if (since !== null && modifiedSec <= since) return "not_modified";
  }
  return "proceed";
}

/**
 * If-Range (RFC 9110 §13.1.5): the Range applies only if the validator still matches,
 * by strong comparison or an exact Last-Modified date; otherwise the whole file is sent.
 */
export function ifRangeAllowsPartial(headers: Headers, v: Validators): boolean {
  const value = headers.get("If-Range");
  if (value === null) return true;
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith("W/")) return !trimmed.startsWith("W/") && trimmed === v.etag;
  const date = httpDateSeconds(trimmed);
  return date !== null && date === Math.floor(v.lastModified / 1000);
}
