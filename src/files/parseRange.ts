/**
 * What to do with a request's Range header against a representation of `size` bytes
 * (RFC 9110 §14). Only one range is served: a multi-range or malformed header is
 * answered with the whole file (200), as the RFC permits and docs/CONTRACT.md §5 requires.
 */
export type RangePlan = { type: "full" } | { type: "partial"; start: number; end: number } | { type: "unsatisfiable" };

const SINGLE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function parseRange(header: string | null, size: number): RangePlan {
  if (header === null) return { type: "full" };
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return { type: "full" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { type: "full" };
  const a = first === "" ? undefined : position(first);
  const b = last === "" ? undefined : position(last);

  if (a === undefined) {
    // Suffix range "-n": the last n bytes. A zero-length suffix selects nothing.
    const n = b as number;
    if (n === 0 || size === 0) return { type: "unsatisfiable" };
    return { type: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  if (b !== undefined && b < a) return { type: "full" }; // syntactically invalid: ignore the header
  if (a >= size) return { type: "unsatisfiable" };
  return { type: "partial", start: a, end: b === undefined ? size - 1 : Math.min(b, size - 1) };
}

/**
 * A position as sent: any number of digits (RFC 9110 §14.1.1 sets no bound). One past 2^53
 * is still a position, past the end of any file: read as Infinity, so an end past the file
 * is clamped, a start past it is unsatisfiable and a suffix longer than it is all of it,
 * and no digit string, however long, costs more than a scan of it.
 */
function position(digits: string): number {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : Infinity;
}

/**
 * True when `header` asks for a single range that starts after byte 0 and would be served
 * as one from some file (`bytes=500-`, `bytes=500-999`, `bytes=5-<any number of digits>`):
 * a request that continues a download rather than starting one (docs/CONTRACT.md §6 rule 3).
 * A header the gateway would ignore (`bytes=1-0`, a multi-range) starts a download, since
 * the whole file is what it gets. Suffix ranges are not continuations.
 */
export function continuesDownload(header: string | null): boolean {
  if (header === null || /^\s*bytes\s*=\s*-/i.test(header)) return false;
  const plan = parseRange(header, Number.MAX_SAFE_INTEGER);
  return plan.type === "partial" && plan.start > 0;
}
