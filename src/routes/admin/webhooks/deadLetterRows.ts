import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { webhookDeadLetters } from "../../../db/schema.ts";
import type { Env } from "../../../env.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { isoFromMs } from "../../../utils/time.ts";

export type DeadLetterRow = typeof webhookDeadLetters.$inferSelect;

/** One of the tenant's dead letters, or 404 (another tenant's id is as unknown as a wrong one). */
export async function loadDeadLetter(env: Env, tenantId: string, id: string): Promise<DeadLetterRow> {
  const [row] = await drizzle(env.DB)
    .select()
    .from(webhookDeadLetters)
    .where(and(eq(webhookDeadLetters.tenantId, tenantId), eq(webhookDeadLetters.id, id)))
    .limit(1);
  if (!row) throw new HttpError("not_found", `There is no dead letter ${JSON.stringify(id)}.`);
  return row;
}

function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export function deadLetterView(row: DeadLetterRow) {
  return {
    id: row.id,
    webhook_id: row.webhookId,
    type: row.type,
    payload: parsed(row.body),
    attempts: row.attempts,
    last_status: row.lastStatus,
    last_error: row.lastError,
    failed_at: isoFromMs(row.failedAt) as string,
    replayed_at: isoFromMs(row.replayedAt),
  };
}
