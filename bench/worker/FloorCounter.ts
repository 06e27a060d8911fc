import { DurableObject } from "cloudflare:workers";

/**
 * The least a counting design must do per download (issue 13, target 1): one SQLite
 * Durable Object per link, one RPC, one row. `upsert` takes a download (its write
 * transaction commits before the answer leaves the object, like the link's); `read` is
 * the read-only floor. No schema beyond one table, no log, no policy.
 */
export class FloorCounter extends DurableObject<object> {
  constructor(ctx: DurableObjectState, env: object) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  }

  upsert(): number {
    return this.ctx.storage.sql
      .exec<{
        n: number;
      }>("INSERT INTO counter (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1 RETURNING n")
      .one().n;
  }

  read(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT n FROM counter WHERE id = 1").toArray()[0]?.n ?? 0;
  }

  /** An RPC that returns its argument: the round trip of a payload, for the profile. */
  echo(value: Record<string, unknown>): Record<string, unknown> {
    return value;
  }

  /** An RPC that touches nothing: the round trip alone, for the profile. */
  noop(): number {
    return 0;
  }
}
