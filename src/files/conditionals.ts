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

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = `(?<month>${MONTHS.join("|")})`;
const TIME = "(?<hour>\\d{2}):(?<minute>\\d{2}):(?<second>\\d{2})";
const SHORT_DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
/** The three HTTP-date formats a recipient must accept (RFC 9110 §5.6.7). */
const HTTP_DATE_FORMATS = [
  new RegExp(`^${SHORT_DAY}, (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`), // IMF-fixdate
  new RegExp(`^${LONG_DAY}, (?<day>\\d{2})-${MONTH}-(?<year>\\d{2}) ${TIME} GMT$`), // obsolete RFC 850
  new RegExp(`^${SHORT_DAY} ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`), // obsolete asctime
];

/**
 * HTTP-date → Unix seconds, or null when the value is not an HTTP-date: RFC 9110 §13.1.3/4
 * say such a field must be ignored ("no condition"). `Date.parse` is not used because it
 * accepts far more ("0" is the year 2000, "3000" a date far in the future).
 */
function httpDateSeconds(value: string | null): number | null {
  if (value === null) return null;
  const text = value.trim();
  let groups: Record<string, string> | undefined;
  for (const format of HTTP_DATE_FORMATS) groups ??= format.exec(text)?.groups;
  if (!groups) return null;
  const [day, month, hour, minute, second] = [
    Number(groups.day),
    MONTHS.indexOf(groups.month ?? ""),
    Number(groups.hour),
    Number(groups.minute),
    Number(groups.second),
  ];
  let year = Number(groups.year);
  if (groups.year?.length === 2) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the previous century.
    const thisYear = new Date().getUTCFullYear();
    year += thisYear - (thisYear % 100);
    if (year > thisYear + 50) year -= 100;
  }
  if (hour > 23 || minute > 59 || second > 60) return null;
  const date = new Date(Date.UTC(year, month, day, hour, minute, second));
  // Date.UTC rolls 31 Feb over into March; such a day is not a date.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return null;
  return Math.floor(date.getTime() / 1000);
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
