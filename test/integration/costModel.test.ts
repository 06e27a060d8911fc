/**
 * What one counted download costs in billed units (issue 13, target 6; docs/COST.md):
 * SQLite rows read and written inside the link's Durable Object (each statement's own
 * cursor figures, as Cloudflare bills them), alarms set (one row written each), and D1
 * rows read and written by the batched log and the link's confirmation. The bounds are
 * today's figures: a change that writes more per download fails here and must update
 * docs/COST.md with it.
 */
import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import type { DownloadLink } from "../../src/links/DownloadLink.ts";
import { linkStub } from "../../src/links/linkStub.ts";
import { createTenantWithAdminKey, orderBody, orderFiles, placeOrder, tokenOf, uploadFile } from "../helpers/issuer.ts";

interface Meter {
  statements: string[];
  cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[];
  alarms: number;
}

/** Wraps the link object's SqlStorage and setAlarm so every statement's billed rows are seen. */
async function meterLink(stub: DurableObjectStub<DownloadLink>): Promise<Meter> {
  const meter: Meter = { statements: [], cursors: [], alarms: 0 };
  await runInDurableObject(stub, (instance: DownloadLink, state) => {
    const sql = (instance as unknown as { store: { sql: SqlStorage } }).store.sql;
    const exec = sql.exec.bind(sql);
    sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
      const cursor = exec(query, ...bindings);
      meter.statements.push(query.trim().split(/\s+/).slice(0, 3).join(" "));
      meter.cursors.push(cursor);
      return cursor;
    }) as SqlStorage["exec"];
    const setAlarm = state.storage.setAlarm.bind(state.storage);
    state.storage.setAlarm = (...args: Parameters<typeof setAlarm>) => {
      meter.alarms += 1;
      return setAlarm(...args);
    };
  });
  return meter;
}

function take(meter: Meter) {
  const rows = {
    statements: meter.statements.length,
    rowsRead: meter.cursors.reduce((n, c) => n + c.rowsRead, 0),
    rowsWritten: meter.cursors.reduce((n, c) => n + c.rowsWritten, 0) + meter.alarms,
    alarms: meter.alarms,
    list: meter.statements.map(
      (q, i) => `${q}: read ${meter.cursors[i]?.rowsRead}, written ${meter.cursors[i]?.rowsWritten}`,
    ),
  };
  meter.statements.length = 0;
  meter.cursors.length = 0;
  meter.alarms = 0;
  return rows;
}

/** A D1 binding that adds up the rows each batch reports (D1 bills `rows_read` / `rows_written`). */
function meteredD1() {
  const totals = { batches: 0, rowsRead: 0, rowsWritten: 0 };
  const add = (results: D1Result[]) => {
    for (const r of results) {
      totals.rowsRead += r.meta.rows_read ?? 0;
      totals.rowsWritten += r.meta.rows_written ?? 0;
    }
    return results;
  };
  const db = {
    prepare: (query: string) => env.DB.prepare(query),
    batch: async (list: D1PreparedStatement[]) => {
      totals.batches += 1;
      return add(await env.DB.batch(list));
    },
    exec: (query: string) => env.DB.exec(query),
    dump: () => env.DB.dump(),
    withSession: () => db,
  };
  return { db: db as unknown as D1Database, totals };
}

async function download(host: string, path: string, bindings: typeof env): Promise<number> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://${host}${path}`, { headers: { "CF-Connecting-IP": "203.0.113.10", "User-Agent": "cost/1" } }),
    bindings,
    ctx,
  );
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return response.status;
}

describe("billed units of one counted download", () => {
  it("stay within today's figures: link object rows, alarms, D1 rows", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { size: 1024 });
    const order = await placeOrder(tenant, orderBody([file.id]));
    const entry = orderFiles(order)[0]!;
    const path = `/downloads/${tokenOf(entry.download_url ?? "").token}`;
    const stub = linkStub(env, tenant.id, entry.link_id);

    // First download: creates the object (schema), counts, sets the confirmation alarm.
    const first = meteredD1();
    expect(await download(tenant.host, path, { ...env, DB: first.db })).toBe(200);
    const meter = await meterLink(stub);

    // Warm downloads: what every further counted download costs.
    const d1 = meteredD1();
    expect(await download(tenant.host, path, { ...env, DB: d1.db })).toBe(200);
    const warm = take(meter);
    expect(await download(tenant.host, path, { ...env, DB: d1.db })).toBe(200);
    const warm2 = take(meter);

    // The confirmation alarm: reads D1, then empties the outbox.
    const alarmD1 = meteredD1();
    await runInDurableObject(stub, (instance: DownloadLink) => {
      (instance as unknown as { env: typeof env }).env = { ...env, DB: alarmD1.db };
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const confirm = take(meter);
    expect(await stub.pendingEvents()).toBe(0);
    expect(await stub.snapshot()).toMatchObject({ count: 3 });

    console.log(
      JSON.stringify(
        { firstD1: first.totals, warm, warm2, warmD1PerDownload: { ...d1.totals }, confirm, alarmD1: alarmD1.totals },
        null,
        1,
      ),
    );
    // Link object, per warm counted download: admit() writes 4 rows (link, grant, device,
    // outbox event). A completed body is not reported back to the link (no finish(), no
    // fifth row): its final version goes to D1 only. docs/COST.md.
    expect(warm.statements).toBe(warm2.statements);
    expect(warm.rowsWritten).toBeLessThanOrEqual(4);
    expect(warm2.rowsWritten).toBeLessThanOrEqual(4);
    // Reads grow with the link's grants (≤ 100 kept) and devices (≤ 1,000): see docs/COST.md.
    expect(warm2.rowsRead).toBeLessThanOrEqual(10);
    expect(warm.alarms).toBe(0); // set once by the first download, not per download
    // D1, per download: one batch (the event and the link's mirror).
    expect(d1.totals.batches).toBe(2);
    // The final version (bytes_sent, outcome) joins the first in the same batch here. 6: the
    // event row with its three indexes (link, tenant and, for the log export's order filter
    // and the order evidence, order), the link's mirror row and its index.
    expect(d1.totals.rowsWritten / 2).toBeLessThanOrEqual(6);
    // The confirmation: one D1 read per batch of 50 events, no D1 write (the log has them).
    expect(alarmD1.totals.batches).toBe(0);
    // Each confirmed event leaves the outbox: one row written.
    expect(confirm.rowsWritten).toBe(3);
  });
});
