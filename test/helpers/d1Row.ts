import type { Table } from "drizzle-orm";

type Columns<T extends Table> = T["_"]["columns"];

/**
 * A row of a drizzle table as raw D1 returns it to `SELECT *`: the SQL column names, the
 * stored values (a boolean-mode integer stays 0/1) and null where the column allows it. Tests
 * that read rows with plain SQL type them with this, so a column added to src/db/schema.ts
 * appears here without a second declaration.
 */
export type D1Row<T extends Table> = {
  [K in keyof Columns<T> as Columns<T>[K]["_"]["name"]]: Columns<T>[K]["_"]["notNull"] extends true
    ? Columns<T>[K]["_"]["driverParam"]
    : Columns<T>[K]["_"]["driverParam"] | null;
};
