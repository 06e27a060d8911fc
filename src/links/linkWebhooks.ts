import type { Env } from "../env.ts";
import type { LinkExhaustion } from "../webhooks/downloadWebhooks.ts";
import { emitWebhookEvents } from "../webhooks/emitWebhookEvents.ts";
import type { WebhookEvent } from "../webhooks/webhookEvents.ts";
import { tableExists } from "./linkTables.ts";

/** Webhook data fields that are personal data (the same as a log row's, DownloadEvent.ts). */
const PERSONAL_FIELDS = ["ip", "country", "user_agent"] as const;

/**
 * The link's durable side of webhooks (docs/CONTRACT.md §10, at least once). The Worker's
 * batched log writer (downloadLogBatch.ts) sends the webhooks of the events it writes, but
 * it lives in isolate memory: an event that reaches D1 only through this link's
 * confirmation alarm (the isolate was lost, the writer gave up) would lose its webhook, and
 * so would `link.flagged` if the object were evicted before its background send. So a
 * webhook the link owes is first a row here, written synchronously with what caused it,
 * and leaves only once it was handed to the queue (or, when the queue refuses it, stored as
 * a dead letter by emitWebhookEvents). Its `webhook-id` comes from the event's type and key
 * (webhookMessage.ts), so a webhook the Worker also sent carries the same id.
 *
 * The tables are made on first use: most links never owe a webhook here.
 */
export class LinkWebhooks {
  /** The send in progress, so the alarm and a background send never queue the same rows twice. */
  private sending: Promise<void> | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** Rows for webhooks the link owes; sent by `send`. Synchronous: part of the step that caused them. */
  owe(tenantId: string, events: readonly WebhookEvent[]): void {
    if (events.length === 0) return;
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS webhooks_due (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, event TEXT NOT NULL) WITHOUT ROWID",
    );
    for (const event of events) {
      // One row per event: the same webhook owed again (a retried confirmation) replaces it.
      this.sql.exec(
        "INSERT INTO webhooks_due (id, tenant_id, event) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET event = excluded.event",
        `${event.type}\n${event.key}`,
        tenantId,
        JSON.stringify(event),
      );
    }
  }

  /** Webhooks owed and not yet sent (for tests and operators). */
  owed(): number {
    return tableExists(this.sql, "webhooks_due")
      ? this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM webhooks_due").one().n
      : 0;
  }

  /** Queues every owed webhook (emitWebhookEvents never throws), then forgets the rows it sent. */
  send(env: Env): Promise<void> {
    const run = (this.sending ?? Promise.resolve()).then(() => this.sendNow(env));
    this.sending = run.finally(() => {
      if (this.sending === run) this.sending = null;
    });
    return run;
  }

  private async sendNow(env: Env): Promise<void> {
    if (!tableExists(this.sql, "webhooks_due")) return;
    const rows = this.sql
      .exec<{ id: string; tenant_id: string; event: string }>("SELECT id, tenant_id, event FROM webhooks_due")
      .toArray();
    const byTenant = new Map<string, typeof rows>();
    for (const row of rows) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row]);
    for (const [tenantId, owed] of byTenant) {
      await emitWebhookEvents(
        env,
        tenantId,
        owed.map((row) => JSON.parse(row.event) as WebhookEvent),
      );
      // Unless rewritten meanwhile (erasure): that version is sent next time.
      for (const row of owed) this.sql.exec("DELETE FROM webhooks_due WHERE id = ? AND event = ?", row.id, row.event);
    }
  }

  /**
   * The counted download `eventId` took the link's last download: kept until its event has
   * been confirmed, so the alarm can send `link.exhausted` for it if the Worker could not.
   */
  noteExhaustion(eventId: string, exhaustion: LinkExhaustion): void {
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS exhaustions (id TEXT PRIMARY KEY, download_count INTEGER NOT NULL, download_limit INTEGER NOT NULL) WITHOUT ROWID",
    );
    this.sql.exec(
      "INSERT OR REPLACE INTO exhaustions (id, download_count, download_limit) VALUES (?, ?, ?)",
      eventId,
      exhaustion.downloadCount,
      exhaustion.downloadLimit,
    );
  }

  exhaustionOf(eventId: string): LinkExhaustion | undefined {
    if (!tableExists(this.sql, "exhaustions")) return undefined;
    const row = this.sql
      .exec<{ download_count: number; download_limit: number }>(
        "SELECT download_count, download_limit FROM exhaustions WHERE id = ?",
        eventId,
      )
      .toArray()[0];
    return row ? { downloadCount: row.download_count, downloadLimit: row.download_limit } : undefined;
  }

  /** Exhaustions of events no longer in the outbox: confirmed, nothing more to send for them. */
  dropSettledExhaustions(): void {
    if (tableExists(this.sql, "exhaustions"))
      this.sql.exec("DELETE FROM exhaustions WHERE id NOT IN (SELECT id FROM outbox)");
  }

  /** Erasure: owed webhooks lose the address, country and User-Agent, as the outbox's events do. */
  forgetPersonalData(): void {
    if (!tableExists(this.sql, "webhooks_due")) return;
    const owed = this.sql.exec<{ id: string; event: string }>("SELECT id, event FROM webhooks_due").toArray();
    for (const { id, event } of owed) {
      const parsed = JSON.parse(event) as { data: Record<string, unknown> };
      for (const field of PERSONAL_FIELDS) if (field in parsed.data) parsed.data[field] = null;
      this.sql.exec("UPDATE webhooks_due SET event = ? WHERE id = ?", JSON.stringify(parsed), id);
    }
  }
}
