/**
 * docs/COST.md: the outbox is keyed by the event id alone, so an event costs one row
 * written; an object created with the first shape (rowid + AUTOINCREMENT + UNIQUE index)
 * is rebuilt on its next wake-up without losing or reordering its waiting events.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DownloadEvent } from "../../src/links/DownloadEvent.ts";
import { LinkStorage } from "../../src/links/linkStorage.ts";
import { LINK_SCHEMA_VERSION } from "../../src/links/linkTables.ts";
import { linkStub } from "../../src/links/linkStub.ts";
import { Outbox } from "../../src/links/Outbox.ts";
import { uid } from "../helpers/fixtures.ts";

function event(id: string, at: number): DownloadEvent {
  return {
    id,
    tenantId: "t",
    linkId: "l",
    fileId: "f",
    orderNumber: null,
    at,
    ip: null,
    userAgent: null,
    country: null,
    range: null,
    status: 200,
    bytes: 1,
    bytesSent: null,
    outcome: null,
    counted: true,
    reason: null,
    device: null,
    error: null,
  };
}

describe("the link's outbox", () => {
  it("writes one row per event and one per rewrite", async () => {
    const stub = linkStub(env, uid("t"), uid("l"));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const outbox = new Outbox(sql);
      const spy = sql.exec.bind(sql);
      let written = 0;
      sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
        const cursor = spy(query, ...bindings);
        written += cursor.rowsWritten;
        return cursor;
      }) as SqlStorage["exec"];
      outbox.put(event("a", 1));
      expect(written).toBe(1);
      outbox.put({ ...event("a", 1), bytesSent: 1, outcome: "completed" });
      expect(written).toBe(2);
      expect(outbox.size()).toBe(1);
      expect(outbox.oldest(10)[0]?.event.outcome).toBe("completed");
    });
  });

  it("rebuilds the first shape, keeping the waiting events in their order", async () => {
    const stub = linkStub(env, uid("t"), uid("l"));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      // An object of the first release: no schema stamp either.
      sql.exec(`DROP TABLE outbox; DROP TABLE link_schema;
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, event TEXT NOT NULL);`);
      // Inserted in seq order b, a: the order must survive although a's `at` is older.
      sql.exec("INSERT INTO outbox (id, event) VALUES (?, ?)", "b", JSON.stringify(event("b", 20)));
      sql.exec("INSERT INTO outbox (id, event) VALUES (?, ?)", "a", JSON.stringify(event("a", 10)));
      new LinkStorage(sql);
      const columns = sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('outbox')")
        .toArray()
        .map((c) => c.name);
      expect(columns).toEqual(["id", "at", "event"]);
      const outbox = new Outbox(sql);
      expect(outbox.oldest(10).map((e) => e.event.id)).toEqual(["b", "a"]);
      outbox.put(event("c", Date.now()));
      expect(outbox.oldest(10).map((e) => e.event.id)).toEqual(["b", "a", "c"]);
      // Constructing again changes nothing.
      new LinkStorage(sql);
      expect(outbox.size()).toBe(3);
    });
  });

  it("rebuilds an AUTOINCREMENT grants table: ids go on after the highest ever given, even after a reset", async () => {
    const stub = linkStub(env, uid("t"), uid("l"));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`DROP TABLE grants; DROP TABLE link_schema;
        CREATE TABLE grants (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at INTEGER NOT NULL,
          refunded INTEGER NOT NULL DEFAULT 0, device TEXT, relied INTEGER NOT NULL DEFAULT 0);`);
      for (let i = 0; i < 7; i++) sql.exec("INSERT INTO grants (started_at, device) VALUES (?, 'd')", i);
      // The newest grants were trimmed or reset away: only the sequence remembers 7.
      sql.exec("DELETE FROM grants WHERE id > 3");
      const store = new LinkStorage(sql);
      const table = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'grants'").one().sql;
      expect(table).not.toMatch(/AUTOINCREMENT/i);
      expect(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM grants").one().n).toBe(3);
      expect(store.count(100, "d")).toBe(8);
      store.reset();
      expect(store.count(101, "d")).toBe(9);
      // A refund naming a grant of before the reset finds nothing.
      expect(store.refund(2)).toBe(false);
      expect(store.refund(9)).toBe(true);
    });
  });

  it("stamps its schema: a stamped object's wake-up checks nothing else, an older stamp upgrades", async () => {
    const stub = linkStub(env, uid("t"), uid("l"));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const tables = () =>
        sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
          .toArray()
          .map((t) => t.name);
      expect(sql.exec<{ version: number }>("SELECT version FROM link_schema").one().version).toBe(LINK_SCHEMA_VERSION);
      // At the current stamp the tables are trusted as they are (one read per wake-up)…
      sql.exec("DROP TABLE devices");
      new LinkStorage(sql);
      expect(tables()).not.toContain("devices");
      // …and an object stamped by an older release gets the full preparation again.
      sql.exec("UPDATE link_schema SET version = ?", LINK_SCHEMA_VERSION - 1);
      new LinkStorage(sql);
      expect(tables()).toContain("devices");
      expect(sql.exec<{ version: number }>("SELECT version FROM link_schema").one().version).toBe(LINK_SCHEMA_VERSION);
    });
  });
});
