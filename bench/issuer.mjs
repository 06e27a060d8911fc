// `npm run bench` (second part): the issuer side (issue 3, "Benchmark").
//   - /my/downloads for one customer with 1,000 links: p50/p99 latency and requests/s,
//     every answer minting 1,000 fresh signed URLs;
//   - order creation throughput: POST /admin/v1/orders with unique order numbers.
// Own state dir and port; load goes to 127.0.0.1 only and every phase is bounded in time.
import autocannon from "autocannon";
import { rmSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import {
  ROOT,
  applyMigrations,
  ensureDevVars,
  setCustomerSecret,
  startWranglerDev,
  upsertAdminKey,
  upsertTenant,
  withLocalBindings,
} from "../scripts/lib/localGateway.mjs";

const OUT = join(ROOT, "bench", "out");
const STATE = join(OUT, "issuer-state");
const PORT = Number(process.env.BENCH_ISSUER_PORT ?? 8798);
const SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const ADMIN_KEY = "dlgk_be4c0000_bench-admin-key-000000000000000000000000000";
const CUSTOMER_SECRET = "bench-customer-secret-0123456789";
const FILES = 50;
const ITEMS = 20; // 20 items × 50 files = 1,000 links

function run(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

async function main() {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const masterKey = ensureDevVars();
  applyMigrations({ persistTo: STATE });
  await withLocalBindings(
    async (env) => {
      await upsertTenant(env, masterKey, {
        id: "bench",
        name: "Bench",
        hosts: ["127.0.0.1"],
        settings: { customer_auth: { mode: "jwt" } },
        keys: [{ kid: "b1", secret: "bench-signing-secret-0123456789" }],
      });
      await upsertAdminKey(env, { tenant: "bench", key: ADMIN_KEY });
      await setCustomerSecret(env, masterKey, { tenant: "bench", secret: CUSTOMER_SECRET });
    },
    { persistTo: STATE },
  );

  const gateway = await startWranglerDev({ port: PORT, persistTo: STATE });
  const base = gateway.baseUrl;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/json" };
  try {
    for (let i = 0; i < FILES; i++) {
      const res = await fetch(`${base}/admin/v1/files/f${i}?name=file-${i}.pdf`, {
        method: "PUT",
        headers: { ...admin, "Content-Type": "application/pdf" },
        body: new Uint8Array(1024),
      });
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    }
    const fileIds = Array.from({ length: FILES }, (_, i) => `f${i}`);
    const order = {
      order_number: "BIG-1",
      customer_id: "big-customer",
      items: Array.from({ length: ITEMS }, (_, i) => ({
        product: { id: `p${i}`, name: `Product ${i}` },
        file_ids: fileIds,
      })),
    };
    const created = await fetch(`${base}/admin/v1/orders`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify(order),
    });
    if (created.status !== 201) throw new Error(`order answered ${created.status}: ${await created.text()}`);

    const customerToken = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("big-customer")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(CUSTOMER_SECRET));
    const check = await fetch(`${base}/my/downloads`, { headers: { Authorization: `Bearer ${customerToken}` } });
    const listed = (await check.json()).data.reduce((n, item) => n + item.files.length, 0);
    if (listed !== ITEMS * FILES) throw new Error(`listing shows ${listed} files, expected ${ITEMS * FILES}`);

    const listing = await run({
      url: `${base}/my/downloads`,
      headers: { Authorization: `Bearer ${customerToken}` },
      connections: 4,
      duration: SECONDS,
    });

    let n = 0;
    const orders = await run({
      url: `${base}/admin/v1/orders`,
      method: "POST",
      headers: admin,
      connections: 4,
      duration: SECONDS,
      requests: [
        {
          setupRequest(request) {
            n += 1;
            request.body = JSON.stringify({
              order_number: `LOAD-${process.pid}-${n}`,
              customer_id: `c${n % 100}`,
              items: [{ product: { id: "p", name: "Product" }, file_ids: ["f0", "f1"], grant: { download_limit: 3 } }],
            });
            return request;
          },
        },
      ],
    });

    const results = {
      date: new Date().toISOString(),
      my_downloads_1000_links: {
        requests_per_s: listing.requests.average,
        p50_ms: listing.latency.p50,
        p99_ms: listing.latency.p99,
        non_2xx: listing.non2xx,
      },
      order_creation: {
        orders_per_s: orders.requests.average,
        p50_ms: orders.latency.p50,
        p99_ms: orders.latency.p99,
        non_2xx: orders.non2xx,
      },
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "issuer-results.json"), JSON.stringify(results, null, 2));
    console.log(`
Issuer side (${SECONDS} s each, 4 connections)
  /my/downloads, 1,000 links     ${results.my_downloads_1000_links.requests_per_s.toFixed(1)} req/s   p50 ${listing.latency.p50} ms   p99 ${listing.latency.p99} ms   non-2xx ${listing.non2xx}
  POST /admin/v1/orders (2 links) ${results.order_creation.orders_per_s.toFixed(1)} orders/s   p50 ${orders.latency.p50} ms   p99 ${orders.latency.p99} ms   non-2xx ${orders.non2xx}`);
  } finally {
    gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
