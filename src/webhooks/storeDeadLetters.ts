import { drizzle } from "drizzle-orm/d1";
import { webhookDeadLetters } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { webhookMessageSchema, type WebhookMessage } from "./webhookMessage.ts";

/** A dead-letter batch whose D1 write failed is tried again after this long. */
const RETRY_SECONDS = 60;

/**
 * The consumer of the dead-letter queue: each failed delivery becomes a row of
 * `webhook_dead_letters`, listed by `GET /admin/v1/webhooks/dead-letters` and replayable.
 * Keyed by the queue message's id, so a redelivered batch stores nothing twice.
 */
export async function storeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const rows = [];
  for (const message of batch.messages) {
    const parsed = webhookMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error(`webhooks: dropped malformed dead letter ${message.id}`, parsed.error.issues);
      continue;
    }
    const m = parsed.data;
    rows.push({
      id: message.id,
      tenantId: m.tenant_id,
      webhookId: m.webhook_id,
      type: m.type,
      body: m.body,
      attempts: m.attempts ?? null,
      lastStatus: m.last_status ?? null,
      // Without a note from the consumer, the queue dead-lettered it after uncaught failures.
      lastError: m.last_error ?? (m.attempts === undefined ? "the queue gave up on it" : null),
      failedAt: message.timestamp.getTime(),
    });
  }
  try {
    await insertDeadLetters(env.DB, rows);
    batch.ackAll();
  } catch (error) {
    console.error(`webhooks: ${rows.length} dead letter(s) could not be stored; retrying`, error);
    batch.retryAll({ delaySeconds: RETRY_SECONDS });
  }
}

/**
 * Messages the delivery queue refused (`sendBatch` failed) become dead letters at once,
 * so the store can list and replay them like any failed delivery instead of never hearing
 * of them. Keyed by their `webhook-id` (one per event), so storing one twice changes
 * nothing. Throws when D1 fails too: the caller can then only log the loss.
 */
export async function storeUnqueued(
  d1: D1Database,
  messages: readonly WebhookMessage[],
  error: unknown,
): Promise<void> {
  const now = Date.now();
  const reason = error instanceof Error ? error.message : String(error);
  await insertDeadLetters(
    d1,
    messages.map((m) => ({
      id: `unqueued_${m.webhook_id}`,
      tenantId: m.tenant_id,
      webhookId: m.webhook_id,
      type: m.type,
      body: m.body,
      attempts: 0,
      lastStatus: null,
      lastError: `could not be queued: ${reason}`.slice(0, 500),
      failedAt: now,
    })),
  );
}

async function insertDeadLetters(d1: D1Database, rows: readonly (typeof webhookDeadLetters.$inferInsert)[]) {
  const db = drizzle(d1);
  const [first, ...rest] = rows.map((row) => db.insert(webhookDeadLetters).values(row).onConflictDoNothing());
  if (first) await db.batch([first, ...rest]);
}
