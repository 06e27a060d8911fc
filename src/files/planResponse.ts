import { evaluateConditionals, ifRangeAllowsPartial } from "./conditionals.ts";
import type { FileMetadata } from "./fileMetadata.ts";
import { parseRange } from "./parseRange.ts";

/** What a request for a stored file will be answered with, decided before any byte moves. */
export type ResponsePlan =
  | { status: 200; start: 0; length: number }
  | { status: 206; start: number; length: number }
  | { status: 304 }
  | { status: 412 }
  | { status: 416 };

/**
 * docs/CONTRACT.md §5 in one function: preconditions first (RFC 9110 §13.2.2), then If-Range,
 * then the Range itself. Pure, so every header combination is unit-testable.
 */
export function planResponse(headers: Headers, file: FileMetadata): ResponsePlan {
  const validators = { etag: file.httpEtag, lastModified: file.uploaded };
  const outcome = evaluateConditionals(headers, validators);
  if (outcome === "not_modified") return { status: 304 };
  if (outcome === "precondition_failed") return { status: 412 };

  const range = ifRangeAllowsPartial(headers, validators)
    ? parseRange(headers.get("Range"), file.size)
    : { type: "full" as const };
  if (range.type === "unsatisfiable") return { status: 416 };
  if (range.type === "partial") return { status: 206, start: range.start, length: range.end - range.start + 1 };
  return { status: 200, start: 0, length: file.size };
}
