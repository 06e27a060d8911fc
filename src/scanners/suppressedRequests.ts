import { and, count, eq, inArray, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { downloadEvents } from "../db/schema.ts";

/** Requests a link answered without counting them, by why (docs/CONTRACT.md §6 rules 2 and 4a). */
export interface SuppressedRequests {
  preview: number;
  scanner: number;
  prefetch: number;
  confirmation: number;
}

const REASONS = ["preview", "scanner", "prefetch", "confirmation"] as const;

/**
 * Counted from the link's download log in D1 (one indexed range of its rows), so it
 * trails the link by the log's write delay (well under a second) and forgets what the
 * tenant's log retention has removed.
 */
export async function suppressedRequests(
  d1: D1Database,
  tenantId: string,
  linkId: string,
): Promise<SuppressedRequests> {
  const rows = await drizzle(d1)
    .select({ reason: downloadEvents.reason, n: count() })
    .from(downloadEvents)
    .where(
      and(
        eq(downloadEvents.tenantId, tenantId),
        eq(downloadEvents.linkId, linkId),
        eq(downloadEvents.counted, false),
        isNull(downloadEvents.error),
        inArray(downloadEvents.reason, [...REASONS]),
      ),
    )
    .groupBy(downloadEvents.reason);
  const result: SuppressedRequests = { preview: 0, scanner: 0, prefetch: 0, confirmation: 0 };
  for (const row of rows) {
    const reason = REASONS.find((r) => r === row.reason);
    if (reason) result[reason] = row.n;
  }
  return result;
}
