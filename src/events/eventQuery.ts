import { and, asc, desc, eq, gt, gte, lt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { downloadEvents, links } from "../db/schema.ts";

/** What the tenant-wide log is filtered by (every field optional, all must hold). */
export interface EventFilter {
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, exclusive. */
  to?: number;
  orderNumber?: string;
  linkId?: string;
  fileId?: string;
  /** The link's customer (D1 `links.customer_id`, so links made through the issuer API). */
  customerId?: string;
  outcome?: "completed" | "aborted";
  counted?: boolean;
}

export type EventSort = "newest" | "oldest";

/** Where a page ended: the (time, id) of its last row; the next page starts strictly after it. */
export interface EventCursor {
  at: number;
  id: string;
}

const cursorPattern = /^(\d{1,16})_([A-Za-z0-9_-]{1,128})$/;

export const CURSOR_PATTERN = cursorPattern;

export function encodeCursor(cursor: EventCursor): string {
  return `${cursor.at}_${cursor.id}`;
}

/** The cursor a previous page answered; the query schema has checked its shape. */
export function decodeCursor(text: string): EventCursor {
  const match = cursorPattern.exec(text);
  if (!match) throw new Error("cursor shape not checked");
  return { at: Number(match[1]), id: match[2] as string };
}

/** A log row with the customer of its link. */
export type LogRow = typeof downloadEvents.$inferSelect & { customerId: string | null };

export interface EventPage {
  rows: LogRow[];
  /** Null on the last page. */
  next: EventCursor | null;
}

function conditions(tenantId: string, filter: EventFilter): (SQL | undefined)[] {
  const e = downloadEvents;
  return [
    eq(e.tenantId, tenantId),
    filter.from === undefined ? undefined : gte(e.at, filter.from),
    filter.to === undefined ? undefined : lt(e.at, filter.to),
    filter.orderNumber === undefined ? undefined : eq(e.orderNumber, filter.orderNumber),
    filter.linkId === undefined ? undefined : eq(e.linkId, filter.linkId),
    filter.fileId === undefined ? undefined : eq(e.fileId, filter.fileId),
    filter.customerId === undefined ? undefined : eq(links.customerId, filter.customerId),
    filter.outcome === undefined ? undefined : eq(e.outcome, filter.outcome),
    filter.counted === undefined ? undefined : eq(e.counted, filter.counted),
  ];
}

/**
 * One page of the tenant's download log, keyset-paginated on (time, id) so a page costs
 * the same however deep it is, and rows written meanwhile neither repeat nor shift a page.
 * The indexes download_events_{tenant,link,order}_at serve the time, link and order filters;
 * file, customer, outcome and counted are checked on the rows of that range (the customer
 * through the link's D1 row, a primary key lookup).
 */
export async function loadEventPage(
  d1: D1Database,
  tenantId: string,
  filter: EventFilter,
  sort: EventSort,
  after: EventCursor | null,
  limit: number,
): Promise<EventPage> {
  const e = downloadEvents;
  const beyond = sort === "newest" ? lt : gt;
  const keyset = after ? or(beyond(e.at, after.at), and(eq(e.at, after.at), beyond(e.id, after.id))) : undefined;
  const direction = sort === "newest" ? desc : asc;
  const found = await drizzle(d1)
    .select({ event: downloadEvents, customerId: links.customerId })
    .from(downloadEvents)
    .leftJoin(links, and(eq(links.tenantId, e.tenantId), eq(links.id, e.linkId)))
    .where(and(...conditions(tenantId, filter), keyset))
    .orderBy(direction(e.at), direction(e.id))
    .limit(limit + 1);
  const rows = found.slice(0, limit).map(({ event, customerId }) => ({ ...event, customerId }));
  const last = rows.at(-1);
  return { rows, next: found.length > limit && last ? { at: last.at, id: last.id } : null };
}
