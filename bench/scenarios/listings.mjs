// Customer listings with 1,000 links (issue 13, target 3): `/my/downloads` and
// `/orders/:n/downloads` against their floor, `/__bench/listing/:tenant` (the same tenant,
// the same customer credential, the same rows from D1, answered as JSON without signing).
import { CONFIG, TARGETS, TENANT, fmtRatio, log, verdict } from "../lib/config.mjs";
import { paired, ratioOf } from "../lib/load.mjs";
import { adminHeaders, customerToken } from "../lib/seed.mjs";

export const name = "listings";

const FILE_COUNT = 50;
const ITEMS = 20; // 20 items × 50 files = 1,000 links
const CUSTOMER = "big-customer";
const ORDER = "BIG-1";

export async function run({ gateway }) {
  const base = gateway.baseUrl;
  log(`listings: ${FILE_COUNT} files and one order of ${ITEMS * FILE_COUNT} links through the issuer API`);
  for (let i = 0; i < FILE_COUNT; i++) {
    const res = await fetch(`${base}/admin/v1/files/f${i}?name=file-${i}.pdf`, {
      method: "PUT",
      headers: { ...adminHeaders, "Content-Type": "application/pdf" },
      body: new Uint8Array(1024),
    });
    if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  }
  const fileIds = Array.from({ length: FILE_COUNT }, (_, i) => `f${i}`);
  const created = await fetch(`${base}/admin/v1/orders`, {
    method: "POST",
    headers: { ...adminHeaders, "Content-Type": "application/json" },
    body: JSON.stringify({
      order_number: ORDER,
      customer_id: CUSTOMER,
      items: Array.from({ length: ITEMS }, (_, i) => ({
        product: { id: `p${i}`, name: `Product ${i}` },
        file_ids: fileIds,
      })),
    }),
  });
  if (created.status !== 201) throw new Error(`order answered ${created.status}: ${await created.text()}`);

  const headers = { Authorization: `Bearer ${await customerToken(CUSTOMER)}` };
  const routes = [
    { name: "my-downloads", server: gateway, paths: ["/my/downloads"], headers },
    { name: "floor-customer", server: gateway, paths: [`/__bench/listing/${TENANT}`], headers },
    { name: "order-downloads", server: gateway, paths: [`/orders/${ORDER}/downloads`], headers },
    { name: "floor-order", server: gateway, paths: [`/__bench/listing/${TENANT}?order=${ORDER}`], headers },
  ];
  const sizes = {};
  for (const route of routes) {
    const res = await fetch(`${base}${route.paths[0]}`, { headers });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${route.name} answered ${res.status}: ${text.slice(0, 300)}`);
    const data = JSON.parse(text).data;
    const count = route.name.startsWith("floor") ? data.length : data.reduce((n, item) => n + item.files.length, 0);
    if (count !== ITEMS * FILE_COUNT)
      throw new Error(`${route.name} lists ${count} links, expected ${ITEMS * FILE_COUNT}`);
    sizes[route.name] = text.length;
  }

  const results = await paired({
    name: "listings",
    routes,
    connections: CONFIG.listingConnections,
    metric: "reqPerSec",
  });
  const my = ratioOf(results, "my-downloads", "floor-customer", "reqPerSec");
  const order = ratioOf(results, "order-downloads", "floor-order", "reqPerSec");
  return {
    ...results,
    sizes,
    ratios: { my, order },
    targets: {
      myDownloadsRatio: { target: TARGETS.listingRatio, value: my.value, pass: my.value >= TARGETS.listingRatio },
      orderDownloadsRatio: {
        target: TARGETS.listingRatio,
        value: order.value,
        pass: order.value >= TARGETS.listingRatio,
      },
    },
  };
}

export function report(r) {
  const w = [32, 8, 8, 8, 10, 8, 6, 12];
  const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  const t = r.targets;
  const line = (label, a, size, ratio, target) =>
    row([
      label,
      a.reqPerSec,
      a.p50Ms,
      a.p99Ms,
      a.workerdCpuMsPerRequest,
      `${Math.round(size / 1000)} KB`,
      ratio,
      target,
    ]);
  return [
    row(["listings, 1,000 links", "req/s", "p50 ms", "p99 ms", "cpu ms/req", "body", "ratio", "target"]),
    line(
      "/my/downloads",
      r["my-downloads"],
      r.sizes["my-downloads"],
      fmtRatio(r.ratios.my.value),
      `≥${t.myDownloadsRatio.target} ${verdict(t.myDownloadsRatio.pass)}`,
    ),
    line("  floor: same rows, unsigned", r["floor-customer"], r.sizes["floor-customer"], "", ""),
    line(
      "/orders/:n/downloads",
      r["order-downloads"],
      r.sizes["order-downloads"],
      fmtRatio(r.ratios.order.value),
      `≥${t.orderDownloadsRatio.target} ${verdict(t.orderDownloadsRatio.pass)}`,
    ),
    line("  floor: same rows, unsigned", r["floor-order"], r.sizes["floor-order"], "", ""),
    `  per-round ratios: /my/downloads ${r.ratios.my.perRound.map(fmtRatio).join(" / ")}, /orders/:n/downloads ${r.ratios.order.perRound.map(fmtRatio).join(" / ")}`,
  ];
}
