import { parseTenantSettings } from "../tenants/tenantSettings.ts";

export interface PruneLimits {
  /** Rows one DELETE removes at most: short write transactions, so log writes never wait long. */
  rowsPerStatement: number;
  /** DELETE statements one run sends at most (a tenant with nothing to prune costs one that finds nothing). */
  maxStatements: number;
  /** Statements per D1 batch (one round trip). */
  statementsPerBatch: number;
}

/**
 * Per table, at most 200,000 rows an hour (the cron in wrangler.toml), about 4.8 million a day, in
 * statements of 1,000 rows: far above what a store's downloads add, so the log shrinks back
 * to its retention within runs of a backlog, and one run never holds D1 for long.
 */
export const PRUNE_LIMITS: PruneLimits = { rowsPerStatement: 1000, maxStatements: 200, statementsPerBatch: 20 };

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface PruneResult {
  deleted: number;
  statements: number;
  /** False when the budget ran out with rows still due: the next run continues. */
  finished: boolean;
}

/** A table the retention prunes: its rows are a tenant's, dated in Unix ms by `timeColumn`. */
export interface PrunedTable {
  name: string;
  timeColumn: string;
}

/** The download log, oldest first through the download_events_tenant_at index. */
export const EVENT_LOG: PrunedTable = { name: "download_events", timeColumn: "at" };
/**
 * Webhook dead letters carry a log row's address, country and User-Agent in their body:
 * kept no longer than the log itself (through the webhook_dead_letters_tenant index).
 */
export const DEAD_LETTERS: PrunedTable = { name: "webhook_dead_letters", timeColumn: "failed_at" };

/**
 * Deletes download log rows older than each tenant's `log_retention_days` (docs/CONTRACT.md
 * §10), so D1 (10 GB at most per database) never fills up with old logs, and then the
 * webhook dead letters that failed before the same cutoff: they hold the same personal
 * data (address, country, User-Agent), which must not outlive the log. Bounded: per table
 * at most `maxStatements` DELETEs of at most `rowsPerStatement` rows each; a tenant with
 * more due is put back in the queue behind the others, and what is left waits for the
 * next run. Each table has its own budget, so a backlog of log rows never keeps dead
 * letters from being pruned.
 *
 * With more tenants than statements, each run starts at a different tenant (rotating with
 * the hour of `now`), so every tenant is reached within a few runs.
 *
 * Only the log is touched: counts live in each link's Durable Object and in `links`
 * (mirrored), never recomputed from the log, so pruning changes no count.
 */
export async function pruneEventLog(
  d1: D1Database,
  now: number,
  limits: PruneLimits = PRUNE_LIMITS,
): Promise<PruneResult & { deadLetters: number }> {
  const { results: tenantRows } = await d1.prepare("SELECT id, settings FROM tenants ORDER BY id").all<{
    id: string;
    settings: string;
  }>();
  const start = tenantRows.length === 0 ? 0 : (Math.floor(now / HOUR_MS) * limits.maxStatements) % tenantRows.length;
  const rotated = [...tenantRows.slice(start), ...tenantRows.slice(0, start)];
  const cutoffs = rotated.map((t) => ({
    id: t.id,
    cutoff: now - parseTenantSettings(t.settings).log_retention_days * DAY_MS,
  }));
  const log = await pruneTenants(d1, cutoffs, limits, EVENT_LOG);
  const letters = await pruneTenants(d1, cutoffs, limits, DEAD_LETTERS);
  return {
    deleted: log.deleted,
    deadLetters: letters.deleted,
    statements: log.statements + letters.statements,
    finished: log.finished && letters.finished,
  };
}

/** Deletes each tenant's rows of `table` older than its cutoff (Unix ms), in queue order, within the limits. */
export async function pruneTenants(
  d1: D1Database,
  tenants: readonly { id: string; cutoff: number }[],
  limits: PruneLimits = PRUNE_LIMITS,
  table: PrunedTable = EVENT_LOG,
): Promise<PruneResult> {
  const queue = [...tenants];
  // The oldest rows of one tenant first, through the table's (tenant_id, time) index.
  const { name, timeColumn } = table;
  const remove = d1.prepare(
    `DELETE FROM ${name} WHERE id IN (
       SELECT id FROM ${name} WHERE tenant_id = ?1 AND ${timeColumn} < ?2 ORDER BY ${timeColumn}
       LIMIT ${limits.rowsPerStatement})`,
  );
  let deleted = 0;
  let statements = 0;
  while (queue.length > 0 && statements < limits.maxStatements) {
    const chunk = queue.splice(0, Math.min(limits.statementsPerBatch, limits.maxStatements - statements));
    const results = await d1.batch(chunk.map((t) => remove.bind(t.id, t.cutoff)));
    statements += chunk.length;
    chunk.forEach((tenant, i) => {
      const changes = results[i]?.meta.changes ?? 0;
      deleted += changes;
      // A full statement may have left more behind: the tenant queues up again.
      if (changes >= limits.rowsPerStatement) queue.push(tenant);
    });
  }
  return { deleted, statements, finished: queue.length === 0 };
}
