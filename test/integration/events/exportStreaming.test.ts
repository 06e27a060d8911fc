/**
 * The streamed exports read D1 one page at a time as the client takes the body, never the
 * whole result up front, and a D1 failure mid-export breaks the transfer instead of ending
 * it like a complete file.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../../src/index.ts";
import { createTenantWithAdminKey, type IssuerTenant } from "../../helpers/issuer.ts";
import { insertLogRows } from "../../helpers/logRows.ts";

const ROWS = 4500;
let tenant: IssuerTenant;

beforeAll(async () => {
  tenant = await createTenantWithAdminKey();
  await insertLogRows(
    tenant.id,
    Array.from({ length: ROWS }, (_, i) => ({ at: 1_780_000_000_000 + i })),
  );
});

/** The real D1, counting the log reads; after `failAfter` of them every further one fails. */
function countingD1(failAfter = Infinity) {
  let logReads = 0;
  const db = {
    prepare: (query: string) => {
      if (/from "download_events"/i.test(query)) {
        logReads += 1;
        if (logReads > failAfter) {
          const fail = () => Promise.reject(new Error("D1 is unavailable (test double)"));
          const statement = { bind: () => statement, all: fail, raw: fail, first: fail, run: fail };
          return statement;
        }
      }
      return env.DB.prepare(query);
    },
    batch: (list: D1PreparedStatement[]) => env.DB.batch(list),
    exec: (query: string) => env.DB.exec(query),
    dump: () => env.DB.dump(),
    withSession: () => db,
  };
  return { db: db as unknown as D1Database, logReads: () => logReads };
}

function exportRequest(format: string): Promise<Response> {
  return worker.fetch(
    new Request(`https://${tenant.host}/admin/v1/events?format=${format}`, {
      headers: { Authorization: `Bearer ${tenant.adminKey}` },
    }),
    { ...env, DB: countingD1().db },
    createExecutionContext(),
  );
}

describe("streamed exports", () => {
  it("read the next page of D1 only when the client has taken the previous one", async () => {
    const d1 = countingD1();
    const response = await worker.fetch(
      new Request(`https://${tenant.host}/admin/v1/events?format=csv`, {
        headers: { Authorization: `Bearer ${tenant.adminKey}` },
      }),
      { ...env, DB: d1.db },
      createExecutionContext(),
    );
    expect(response.status).toBe(200);
    // Before the body is read: the first page only (read before the answer starts).
    expect(d1.logReads()).toBe(1);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the header row
    await reader.read(); // the first page's rows
    // At most one page ahead of the client: never the whole result.
    expect(d1.logReads()).toBeLessThanOrEqual(2);
    let lines = 0;
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      lines += decoder.decode(value).split("\r\n").length - 1;
    }
    expect(lines).toBe(ROWS - 1000);
    // 4,500 rows in pages of 1,000: five reads in all.
    expect(d1.logReads()).toBe(5);
  });

  it("break the transfer when D1 fails in the middle, never ending it like a complete file", async () => {
    const d1 = countingD1(2);
    const response = await worker.fetch(
      new Request(`https://${tenant.host}/admin/v1/events?format=ndjson`, {
        headers: { Authorization: `Bearer ${tenant.adminKey}` },
      }),
      { ...env, DB: d1.db },
      createExecutionContext(),
    );
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
  });

  it("answer 503 when D1 fails before the first byte", async () => {
    const d1 = countingD1(0);
    const response = await worker.fetch(
      new Request(`https://${tenant.host}/admin/v1/events?format=csv`, {
        headers: { Authorization: `Bearer ${tenant.adminKey}` },
      }),
      { ...env, DB: d1.db },
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe("unavailable");
  });

  it("answer every row through the counting binding too", async () => {
    const text = new TextDecoder().decode(await (await exportRequest("ndjson")).arrayBuffer());
    expect(text.trimEnd().split("\n")).toHaveLength(ROWS);
  });
});
