/**
 * Log retention (docs/CONTRACT.md §10): the Cron Trigger deletes download log rows older than
 * each tenant's `log_retention_days`, in bounded statements, and never changes a count.
 * The clock is the scheduled controller's `scheduledTime`: rows are dated relative to it.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEAD_LETTERS, pruneEventLog, pruneTenants } from "../../../src/events/pruneEvents.ts";
import { linkStub } from "../../../src/links/linkStub.ts";
import worker from "../../../src/index.ts";
import { deliveriesSettled } from "../../helpers/deliveries.ts";
import { flushOutboxes } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  fetchUrl,
  firstFile,
  linkRow,
  orderBody,
  placeOrder,
  uploadFile,
} from "../../helpers/issuer.ts";
import { insertLogRows } from "../../helpers/logRows.ts";

const DAY = 86_400_000;
/** The fake "now" of every run: far from the real clock, so only the rows' dates decide. */
const NOW = Date.parse("2031-06-01T12:00:00.000Z");

async function remaining(tenantId: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM download_events WHERE tenant_id = ? ORDER BY at, id")
    .bind(tenantId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** The Worker's scheduled handler, as the Cron Trigger runs it, at `scheduledTime`. */
async function runCron(scheduledTime: number): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "17 * * * *" }), env);
}

describe("the log retention cron", () => {
  it("deletes each tenant's rows older than its own retention and keeps the rest", async () => {
    const month = await createTenantWithAdminKey({ settings: { log_retention_days: 30 } });
    const standard = await createTenantWithAdminKey();
    const day = await createTenantWithAdminKey({ settings: { log_retention_days: 1 } });
    await insertLogRows(month.id, [
      { id: "m-old", at: NOW - 31 * DAY },
      { id: "m-edge", at: NOW - 30 * DAY + 1 },
      { id: "m-new", at: NOW - 29 * DAY },
    ]);
    await insertLogRows(standard.id, [
      { id: "s-old", at: NOW - 401 * DAY },
      { id: "s-new", at: NOW - 399 * DAY },
    ]);
    await insertLogRows(day.id, [
      { id: "d-old", at: NOW - 2 * DAY },
      { id: "d-new", at: NOW - 3_600_000 },
    ]);

    await runCron(NOW);

    expect(await remaining(month.id)).toEqual(["m-edge", "m-new"]);
    expect(await remaining(standard.id)).toEqual(["s-new"]);
    expect(await remaining(day.id)).toEqual(["d-new"]);

    // A day later by the fake clock, the 30-day tenant's edge row has aged out too.
    await runCron(NOW + DAY);
    expect(await remaining(month.id)).toEqual(["m-new"]);
  });

  it("works through a backlog in statements of bounded size, continuing on the next run", async () => {
    const tenant = await createTenantWithAdminKey();
    await insertLogRows(
      tenant.id,
      Array.from({ length: 25 }, (_, i) => ({ id: `old-${String(i).padStart(2, "0")}`, at: NOW - 500 * DAY + i })),
    );
    await insertLogRows(tenant.id, [{ id: "recent", at: NOW - DAY }]);
    const target = [{ id: tenant.id, cutoff: NOW - 400 * DAY }];
    const limits = { rowsPerStatement: 10, maxStatements: 2, statementsPerBatch: 1 };

    expect(await pruneTenants(env.DB, target, limits)).toEqual({ deleted: 20, statements: 2, finished: false });
    // The oldest went first.
    expect(await remaining(tenant.id)).toEqual(["old-20", "old-21", "old-22", "old-23", "old-24", "recent"]);
    expect(await pruneTenants(env.DB, target, limits)).toEqual({ deleted: 5, statements: 1, finished: true });
    expect(await remaining(tenant.id)).toEqual(["recent"]);
  });

  it("reaches every tenant within a few runs when there are more tenants than statements", async () => {
    const tenants = await Promise.all([1, 2, 3].map(() => createTenantWithAdminKey()));
    for (const t of tenants) await insertLogRows(t.id, [{ id: `${t.id}-old`, at: NOW - 900 * DAY }]);
    const total = (await env.DB.prepare("SELECT COUNT(*) AS n FROM tenants").first<{ n: number }>())?.n ?? 0;
    const limits = { rowsPerStatement: 100, maxStatements: 1, statementsPerBatch: 1 };
    // One statement per run, one run per hour: each run starts at the next tenant.
    for (let hour = 0; hour < total; hour++) await pruneEventLog(env.DB, NOW + hour * 3_600_000, limits);
    for (const t of tenants) expect(await remaining(t.id)).toEqual([]);
  });

  it("deletes webhook dead letters older than the retention too: their bodies hold addresses and User-Agents", async () => {
    const tenant = await createTenantWithAdminKey({ settings: { log_retention_days: 30 } });
    const other = await createTenantWithAdminKey();
    const letter = (tenantId: string, id: string, failedAt: number) =>
      env.DB.prepare(
        `INSERT INTO webhook_dead_letters (id, tenant_id, webhook_id, type, body, attempts, last_status, last_error, failed_at)
         VALUES (?, ?, ?, 'download.completed', '{"data":{"ip":"198.51.100.7"}}', 3, 500, 'x', ?)`,
      ).bind(id, tenantId, `msg_${id}`, failedAt);
    await env.DB.batch([
      letter(tenant.id, `${tenant.id}-old`, NOW - 31 * DAY),
      letter(tenant.id, `${tenant.id}-new`, NOW - 29 * DAY),
      // Another tenant's letter of the same age is within its 400 days.
      letter(other.id, `${other.id}-kept`, NOW - 31 * DAY),
    ]);
    const letters = async (tenantId: string) =>
      (
        await env.DB.prepare("SELECT id FROM webhook_dead_letters WHERE tenant_id = ? ORDER BY id")
          .bind(tenantId)
          .all<{ id: string }>()
      ).results.map((r) => r.id);

    await runCron(NOW);

    expect(await letters(tenant.id)).toEqual([`${tenant.id}-new`]);
    expect(await letters(other.id)).toEqual([`${other.id}-kept`]);
  });

  it("prunes dead letters in bounded statements too, with a budget of their own", async () => {
    const tenant = await createTenantWithAdminKey();
    await env.DB.batch(
      Array.from({ length: 15 }, (_, i) =>
        env.DB.prepare(
          `INSERT INTO webhook_dead_letters (id, tenant_id, webhook_id, type, body, failed_at)
           VALUES (?, ?, ?, 'order.completed', '{}', ?)`,
        ).bind(`${tenant.id}-${i}`, tenant.id, `msg_${i}`, NOW - 500 * DAY + i),
      ),
    );
    const target = [{ id: tenant.id, cutoff: NOW - 400 * DAY }];
    const limits = { rowsPerStatement: 10, maxStatements: 1, statementsPerBatch: 1 };
    expect(await pruneTenants(env.DB, target, limits, DEAD_LETTERS)).toEqual({
      deleted: 10,
      statements: 1,
      finished: false,
    });
    expect(await pruneTenants(env.DB, target, limits, DEAD_LETTERS)).toEqual({
      deleted: 5,
      statements: 1,
      finished: true,
    });
  });

  it("never changes a link's count: the Durable Object, the D1 mirror and the API keep it", async () => {
    const tenant = await createTenantWithAdminKey({ settings: { log_retention_days: 1 } });
    const file = await uploadFile(tenant, { size: 300 });
    const entry = firstFile(await placeOrder(tenant, orderBody([file.id], {}, { download_limit: 3 })));
    for (let i = 0; i < 2; i++) {
      const response = await fetchUrl(entry.download_url as string);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }
    const stub = linkStub(env, tenant.id, entry.link_id);
    await deliveriesSettled([stub]);
    await flushOutboxes([stub]);
    expect((await remaining(tenant.id)).length).toBe(2);

    // By the fake clock, the downloads were made two days ago.
    await runCron(Date.now() + 2 * DAY);

    expect(await remaining(tenant.id)).toEqual([]);
    expect((await stub.snapshot()).count).toBe(2);
    expect((await linkRow(tenant.id, entry.link_id))?.download_count).toBe(2);
    const link = await admin(tenant, "GET", `/links/${entry.link_id}`);
    expect(link.body).toMatchObject({ download_count: 2, remaining_downloads: 1 });
    // And the limit still holds: one more download, then limit_reached.
    expect((await fetchUrl(entry.download_url as string)).status).toBe(200);
    expect((await fetchUrl(entry.download_url as string)).status).toBe(403);
  });
});
