// Order creation through the issuer API (issue 3's figure): POST /admin/v1/orders with
// unique order numbers, two links each, for a fixed time.
import autocannon from "autocannon";
import { CONFIG, log } from "../lib/config.mjs";
import { adminHeaders } from "../lib/seed.mjs";

export const name = "orders";

export async function run({ gateway }) {
  log(`orders: POST /admin/v1/orders for ${CONFIG.roundSeconds} s, 4 connections`);
  let n = 0;
  const result = await autocannon({
    url: `${gateway.baseUrl}/admin/v1/orders`,
    method: "POST",
    headers: { ...adminHeaders, "Content-Type": "application/json" },
    connections: 4,
    duration: CONFIG.roundSeconds,
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
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`orders: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { ordersPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

export function report(r) {
  return [
    `POST /admin/v1/orders (2 links each): ${r.ordersPerSec.toFixed(1)} orders/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`,
  ];
}
