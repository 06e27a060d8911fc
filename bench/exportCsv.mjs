// `npm run bench:export`: the download log export (GET /admin/v1/events?format=csv|ndjson)
// streamed from a local `wrangler dev`, with the Worker process's resident memory sampled
// while it runs. The claim under test (docs/CONTRACT.md §10): an export reads D1 one page
// at a time, so its memory stays flat however many rows it carries. So the same export
// runs over 10,000 and over 100,000 rows (BENCH_EXPORT_ROWS), and the peak RSS growth of
// the two is compared: flat means the ten-times-larger export does not need more memory.
//
//   1. fresh state in bench/out/export-state: migrations, a tenant (host 127.0.0.1) with an
//      admin key, and its log rows, written by one SQL statement per tenant (a recursive
//      CTE), with text that needs CSV quoting and defusing (commas, quotes, newlines, `=`);
//   2. a frozen snapshot of the repo under `wrangler dev` (bench/lib/wrangler.mjs);
//   3. per export: rows, bytes, seconds, rows/s, time to first byte, and the peak RSS of
//      the Worker's workerd process over its idle RSS just before; each CSV is checked
//      while it streams (header, one CRLF per row);
//   4. a table on stdout and bench/out/export-csv.json.
//
// Environment: BENCH_EXPORT_PORT (8839), BENCH_EXPORT_ROWS (100000), BENCH_OUT.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { ensureDevVars, upsertAdminKey, upsertTenant, withLocalBindings } from "../scripts/lib/localGateway.ts";
import { HOST, OUT, log, round, sleep } from "./lib/config.mjs";
import { rssKiB, startRssSampler } from "./lib/procs.mjs";
import { snapshotWorker, startDev, stopAll, wranglerSync } from "./lib/wrangler.mjs";

const PORT = Number(process.env.BENCH_EXPORT_PORT ?? 8839);
const BIG = Number(process.env.BENCH_EXPORT_ROWS ?? 100_000);
const SMALL = Math.max(1, Math.round(BIG / 10));
const STATE = join(OUT, "export-state");
const TENANTS = { small: "export-small", big: "export-big" };
/** An admin key per tenant: the key, not the host, picks the tenant of an /admin/v1 request. */
const KEYS = {
  small: "dlgk_e4c0e05a_export-bench-key-small-00000000000000000000",
  big: "dlgk_e4c0e0b1_export-bench-key-big-0000000000000000000000",
};
/** Flat: the big export's peak RSS growth at most this much above the small one's. */
const FLAT_MARGIN_MIB = 16;

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * `rows` log rows for `tenant` in one INSERT … SELECT over a recursive CTE (seconds, not
 * minutes, for 100,000): 50 links, 5 files, 1 order per link, times a second apart, a mix
 * of outcomes, and User-Agents that need quoting or defusing in CSV.
 */
function logRowsSql(tenant, rows) {
  return `
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows - 1})
    INSERT INTO download_events (id, tenant_id, link_id, file_id, order_number, at, ip, user_agent, country, range,
      status, bytes, bytes_sent, outcome, reason, counted, device, error)
    SELECT printf('${tenant}-%08d', i), '${tenant}', printf('link-%02d', i % 50), printf('file-%d', i % 5),
      printf('order-%02d', i % 50), 1767225600000 + i * 1000, printf('198.51.%d.%d', (i / 256) % 256, i % 256),
      CASE i % 4
        WHEN 0 THEN 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'
        WHEN 1 THEN 'curl/8.5.0, "quoted"'
        WHEN 2 THEN '=HYPERLINK("http://evil.example/","x")'
        ELSE 'line one' || char(13) || char(10) || 'line two'
      END,
      'DE', CASE WHEN i % 7 = 0 THEN 'bytes=0-' ELSE NULL END,
      CASE WHEN i % 7 = 0 THEN 206 ELSE 200 END, 52428800, CASE WHEN i % 9 = 0 THEN 1048576 ELSE 52428800 END,
      CASE WHEN i % 9 = 0 THEN 'aborted' ELSE 'completed' END, NULL, 1, printf('dev-%04d', i % 1000), NULL
    FROM n`;
}

async function seed() {
  log(`fresh state in ${STATE}`);
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const masterKey = ensureDevVars();
  wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);
  await withLocalBindings(
    async (env) => {
      for (const [size, id] of Object.entries(TENANTS)) {
        await upsertTenant(env, masterKey, { id, name: `Export ${size}`, hosts: [`${id}.localhost`] });
        await upsertAdminKey(env, { tenant: id, key: KEYS[size] });
      }
      for (const [size, rows] of [
        ["small", SMALL],
        ["big", BIG],
      ]) {
        const started = Date.now();
        await env.DB.prepare(logRowsSql(TENANTS[size], rows)).run();
        log(`seeded ${rows} log rows for ${TENANTS[size]} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    },
    { persistTo: STATE },
  );
}

/** Streams one export to the end, checking it as it goes, while the sampler records RSS. */
async function runExport(server, sampler, size, format) {
  const worker = server.procs.find((p) => p.role === "worker");
  // Let the previous export's garbage go before reading the idle figure.
  await sleep(2000);
  const idleKiB = rssKiB(worker.pid);
  const phase = `${size}-${format}`;
  sampler.phase = phase;
  const started = performance.now();
  const response = await fetch(`${server.baseUrl}/admin/v1/events?format=${format}&sort=oldest`, {
    headers: { Authorization: `Bearer ${KEYS[size]}` },
  });
  if (response.status !== 200) throw new Error(`${phase}: ${response.status} ${await response.text()}`);
  const reader = response.body.getReader();
  let bytes = 0;
  let firstByteMs = null;
  let lineEnds = 0;
  let newlines = 0;
  let previous = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (firstByteMs === null) firstByteMs = performance.now() - started;
    bytes += value.byteLength;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === 10) {
        newlines += 1;
        if (previous === 13) lineEnds += 1;
      }
      previous = value[i];
    }
  }
  const seconds = (performance.now() - started) / 1000;
  sampler.sampleNow();
  sampler.phase = "idle";
  const rows = size === "big" ? BIG : SMALL;
  // CSV: a header plus one CRLF per row, and the CRLF inside every 4th row's quoted User-Agent.
  // NDJSON: one LF per row (newlines inside strings are escaped).
  const expected = format === "csv" ? 1 + rows + Math.floor(rows / 4) : rows;
  const seen = format === "csv" ? lineEnds : newlines;
  if (seen !== expected) throw new Error(`${phase}: ${seen} line ends, expected ${expected}`);
  const peakKiB = sampler.peak(phase, worker.pid);
  return {
    export: phase,
    rows,
    bytes,
    seconds: round(seconds, 2),
    rowsPerSecond: Math.round(rows / seconds),
    mbPerSecond: round(bytes / 1e6 / seconds, 1),
    firstByteMs: round(firstByteMs ?? 0, 1),
    idleRssMiB: round(idleKiB / 1024, 1),
    peakRssMiB: round(peakKiB / 1024, 1),
    rssGrowthMiB: round((peakKiB - idleKiB) / 1024, 1),
  };
}

async function main() {
  if (!(await portFree(PORT))) throw new Error(`port ${PORT} is in use; set BENCH_EXPORT_PORT`);
  ensureDevVars();
  const source = snapshotWorker();
  await seed();
  const server = await startDev({ name: "gateway", port: PORT, persistTo: STATE });
  const sampler = startRssSampler(server.procs);
  const results = [];
  try {
    // Warm-up exports, not reported: the JIT, and the local D1's SQLite pages. Locally, D1 runs
    // inside the same workerd process as the Worker, so the first read of 100,000 rows grows
    // its RSS by the database's cached pages (tens of MiB) whatever the export does; in
    // production D1 is another service. After one full read, the growth left is the export's.
    await runExport(server, sampler, "big", "ndjson");
    await runExport(server, sampler, "small", "csv");
    for (const [size, format] of [
      ["small", "csv"],
      ["big", "csv"],
      ["big", "ndjson"],
    ]) {
      const result = await runExport(server, sampler, size, format);
      log(`${result.export}: ${result.rows} rows in ${result.seconds} s`);
      results.push(result);
    }
  } finally {
    sampler.stop();
    await stopAll();
  }
  const small = results.find((r) => r.export === "small-csv");
  const big = results.find((r) => r.export === "big-csv");
  const flat = big.rssGrowthMiB <= small.rssGrowthMiB + FLAT_MARGIN_MIB;
  const report = {
    source,
    rows: { small: SMALL, big: BIG },
    results,
    flatMemory: {
      smallGrowthMiB: small.rssGrowthMiB,
      bigGrowthMiB: big.rssGrowthMiB,
      marginMiB: FLAT_MARGIN_MIB,
      verdict: flat ? "PASS" : "MISS",
    },
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "export-csv.json"), `${JSON.stringify(report, null, 2)}\n`);
  const cols = [
    "export",
    "rows",
    "seconds",
    "rowsPerSecond",
    "mbPerSecond",
    "firstByteMs",
    "idleRssMiB",
    "peakRssMiB",
    "rssGrowthMiB",
  ];
  console.log(cols.join("\t"));
  for (const r of results) console.log(cols.map((c) => r[c]).join("\t"));
  console.log(
    `flat memory (${BIG} rows vs ${SMALL}): RSS growth ${big.rssGrowthMiB} MiB vs ${small.rssGrowthMiB} MiB → ${report.flatMemory.verdict}`,
  );
  if (!flat) process.exitCode = 1;
}

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
