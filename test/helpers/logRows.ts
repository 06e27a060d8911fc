/**
 * Download log rows written straight into D1, for tests of what reads the log (export,
 * evidence, retention, erasure) that need many rows, exact times or hostile text.
 */
import { env } from "cloudflare:workers";
import { uid } from "./fixtures.ts";

export interface LogRowInput {
  id?: string;
  linkId?: string;
  fileId?: string;
  orderNumber?: string | null;
  /** Unix ms. */
  at: number;
  ip?: string | null;
  userAgent?: string | null;
  country?: string | null;
  range?: string | null;
  status?: number;
  bytes?: number;
  bytesSent?: number | null;
  outcome?: "completed" | "aborted" | null;
  counted?: boolean;
  reason?: string | null;
  device?: string | null;
  error?: string | null;
}

/** Inserts rows for the tenant (defaults: a completed, counted 200 of 100 bytes), 50 per batch. */
export async function insertLogRows(tenantId: string, rows: readonly LogRowInput[]): Promise<string[]> {
  const ids: string[] = [];
  const statements = rows.map((r) => {
    const id = r.id ?? uid("ev");
    ids.push(id);
    return env.DB.prepare(
      `INSERT INTO download_events (id, tenant_id, link_id, file_id, order_number, at, ip, user_agent, country, range,
         status, bytes, bytes_sent, outcome, reason, counted, device, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      id,
      tenantId,
      r.linkId ?? "l-default",
      r.fileId ?? "f-default",
      r.orderNumber === undefined ? null : r.orderNumber,
      r.at,
      r.ip === undefined ? "198.51.100.7" : r.ip,
      r.userAgent === undefined ? "agent/1" : r.userAgent,
      r.country === undefined ? "DE" : r.country,
      r.range ?? null,
      r.status ?? 200,
      r.bytes ?? 100,
      r.bytesSent === undefined ? 100 : r.bytesSent,
      r.outcome === undefined ? "completed" : r.outcome,
      r.reason ?? null,
      r.counted === false ? 0 : 1,
      r.device === undefined ? "dev-1" : r.device,
      r.error ?? null,
    );
  });
  for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
  return ids;
}

/**
 * Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF inside quotes) into records,
 * independently of the code under test.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || record.length > 0) throw new Error("the CSV does not end with CRLF");
  return records;
}
