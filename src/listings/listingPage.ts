import { z } from "zod";
import { base64url, fromBase64url } from "../utils/encoding.ts";

/**
 * Optional pages of the customer listings (`?limit=&cursor=`, docs/CONTRACT.md §8). The unit
 * is the listing's entry (one purchased item); the order is the listing's own: newest
 * purchase first, then order number, then the item's position in its order.
 *
 * The cursor names the last entry of the previous page by that sort key (a keyset, not an
 * offset), so an order placed while a customer pages through puts nothing twice and skips
 * nothing older. It is opaque to clients: base64url of `[purchasedAt, orderNumber, position]`.
 */
export interface ListingCursor {
  purchasedAt: number;
  orderNumber: string;
  position: number;
}

/** The page asked for; `limit: null` = the rest of the listing. */
export interface PageRequest {
  limit: number | null;
  after: ListingCursor | null;
}

/** Entries per page at most. */
export const MAX_PAGE_SIZE = 500;

const cursorShape = z.tuple([z.number().int(), z.string().min(1).max(128), z.number().int().nonnegative()]);

export function encodeCursor(cursor: ListingCursor): string {
  const text = JSON.stringify([cursor.purchasedAt, cursor.orderNumber, cursor.position]);
  return base64url(new TextEncoder().encode(text));
}

/** The cursor a client sent back, or null when it is not one this gateway wrote. */
export function decodeCursor(text: string): ListingCursor | null {
  if (!/^[A-Za-z0-9_-]{1,700}$/.test(text)) return null;
  try {
    const json = new TextDecoder().decode(fromBase64url(text));
    const parsed = cursorShape.safeParse(JSON.parse(json));
    if (!parsed.success) return null;
    const [purchasedAt, orderNumber, position] = parsed.data;
    return { purchasedAt, orderNumber, position };
  } catch {
    return null;
  }
}

/**
 * SQLite's `ORDER BY number` compares TEXT as bytes (BINARY collation), which for UTF-8 is
 * code point order; JavaScript's `<` compares UTF-16 code units, which differs for characters
 * past U+FFFF. The listing's order comes from SQL, so the cursor compares like SQL.
 */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Whether an entry with `key` comes after `cursor` in the listing's order. */
export function comesAfter(key: ListingCursor, cursor: ListingCursor): boolean {
  if (key.purchasedAt !== cursor.purchasedAt) return key.purchasedAt < cursor.purchasedAt;
  const byNumber = compareCodePoints(key.orderNumber, cursor.orderNumber);
  if (byNumber !== 0) return byNumber > 0;
  return key.position > cursor.position;
}

/** The page of `entries` (already in the listing's order) and the cursor of the next one. */
export function pageOf<T>(
  entries: readonly T[],
  keyOf: (entry: T) => ListingCursor,
  page: PageRequest,
): { entries: T[]; nextCursor: string | null } {
  const after = page.after;
  const start = after === null ? 0 : entries.findIndex((entry) => comesAfter(keyOf(entry), after));
  const rest = start < 0 ? [] : entries.slice(start);
  if (page.limit === null || rest.length <= page.limit) return { entries: rest, nextCursor: null };
  const shown = rest.slice(0, page.limit);
  return { entries: shown, nextCursor: encodeCursor(keyOf(shown.at(-1) as T)) };
}

/** The two query parameters, for the listings' strict query schema. */
export const pageQueryShape = {
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,5}$/, "a whole number from 1")
    .transform(Number)
    .pipe(z.number().max(MAX_PAGE_SIZE))
    .optional()
    .meta({
      description: `Entries per page (1–${MAX_PAGE_SIZE}). With \`limit\` or \`cursor\` the answer adds \`next_cursor\`; without either it is the whole listing.`,
    }),
  cursor: z
    .string()
    .transform((value, ctx) => {
      const cursor = decodeCursor(value);
      if (!cursor) ctx.addIssue({ code: "custom", message: "not a cursor of this listing" });
      return cursor as ListingCursor;
    })
    .optional()
    .meta({ description: "`next_cursor` of the previous page; the listing continues after it." }),
};

/** The page a parsed query asks for, or undefined for the whole listing (no `limit`, no `cursor`). */
export function pageRequest(query: { limit?: number; cursor?: ListingCursor }): PageRequest | undefined {
  if (query.limit === undefined && query.cursor === undefined) return undefined;
  return { limit: query.limit ?? null, after: query.cursor ?? null };
}
