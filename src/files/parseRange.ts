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
  const a = first === "" ? undefined : Number(first);
  const b = last === "" ? undefined : Number(last);
  if ((a !== undefined && !Number.isSafeInteger(a)) || (b !== undefined && !Number.isSafeInteger(b))) {
    return { type: "full" };
  }

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
