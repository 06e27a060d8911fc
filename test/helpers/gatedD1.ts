/**
 * A D1 whose statements matching `match` wait at a gate, before they run ("before") or after
 * ("after"): `atGate` resolves when one got there, `release()` lets it go. For tests that
 * land another request exactly between two of a handler's statements.
 */
export function gatedDB(db: D1Database, match: RegExp, mode: "before" | "after") {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const atGate = new Promise<void>((r) => (reached = r));
  const targets = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement, gated: boolean): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(t, p) {
        if (p === "bind") return (...a: unknown[]) => wrap(t.bind(...a), gated);
        const v = (t as unknown as Record<PropertyKey, unknown>)[p];
        if (gated && typeof p === "string" && ["all", "raw", "run", "first"].includes(p))
          return async (...a: unknown[]) => {
            if (mode === "before") {
              reached();
              await gate;
              return (v as (...x: unknown[]) => unknown).apply(t, a);
            }
            const r = await (v as (...x: unknown[]) => unknown).apply(t, a);
            reached();
            await gate;
            return r;
          };
        return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
      },
    });
    targets.set(proxy, stmt);
    return proxy;
  };
  const proxied = new Proxy(db, {
    get(t, p) {
      if (p === "prepare") return (sql: string) => wrap(t.prepare(sql), match.test(sql));
      if (p === "batch") return (stmts: D1PreparedStatement[]) => t.batch(stmts.map((s) => targets.get(s) ?? s));
      const v = (t as unknown as Record<PropertyKey, unknown>)[p];
      return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { db: proxied, atGate, release };
}
