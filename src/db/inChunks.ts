/**
 * D1 binds at most 100 parameters per statement; a list of ids is sent in slices of this
 * many, which leaves room for the query's own parameters (a tenant id and the like).
 */
export const D1_LIST_CHUNK = 90;

/**
 * Runs `query` once per slice of `values` that D1 can bind, one slice after another, and
 * returns all their rows in order. An empty list runs no query.
 */
export async function inChunks<T, R>(
  values: readonly T[],
  query: (chunk: T[]) => Promise<R[]>,
  size = D1_LIST_CHUNK,
): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < values.length; i += size) rows.push(...(await query(values.slice(i, i + size))));
  return rows;
}
