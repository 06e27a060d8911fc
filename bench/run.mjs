// `npm run bench`: the gateway measured against floors and baselines on this machine
// (issues 2, 3 and 13). Load goes to 127.0.0.1 only and every phase is bounded.
//
//   1. fresh state in bench/out/ (lib/seed.mjs): the gateway's D1, tenant, keys, files;
//      the bench Worker's own D1;
//   2. a frozen snapshot of the repo; the gateway (BENCH_BASELINE=1) and the bench Worker
//      (bench/worker/) each under their own `wrangler dev` (lib/wrangler.mjs);
//   3. scenarios, in this order (BENCH_ONLY=a,b picks some):
//        download-64m  64 MiB MB/s, TTFB and RSS against bare R2 (target 2)
//        stream-64m    where the 64 MiB gap is: the same object sent four ways (no target)
//        download-1k   1 KiB req/s and CPU against the minimal counting floor (target 1)
//        listings      /my/downloads and /orders/:n/downloads against their floor (target 3)
//        orders        order creation throughput
//        profile       CPU per step of the download path, inside workerd (target 1)
//        cpu-profile   V8's sampling profiler on the gateway's isolate under 1 KiB load (target 1)
//        upload-5g     only with BENCH_5G=1: 5 GiB multipart upload and download (target 4)
//   4. every counted link's count read back through /info and compared with the 200s seen;
//   5. a table on stdout (every target with PASS/MISS) and bench/out/results.json.
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { ensureDevVars } from "../scripts/lib/localGateway.ts";
import { CONFIG, HOST, OUT, log, round, selected, sleep, started } from "./lib/config.mjs";
import { startRssSampler } from "./lib/procs.mjs";
import { METHOD, machine, render } from "./lib/report.mjs";
import { BENCH_WORKER_STATE, STATE, seedState } from "./lib/seed.mjs";
import { BENCH_WORKER_CONFIG, isStopping, snapshotWorker, startDev, stopAll } from "./lib/wrangler.mjs";
import * as download1k from "./scenarios/download-1k.mjs";
import * as cpuProfile from "./scenarios/cpu-profile.mjs";
import * as download64m from "./scenarios/download-64m.mjs";
import * as listings from "./scenarios/listings.mjs";
import * as orders from "./scenarios/orders.mjs";
import * as profile from "./scenarios/profile.mjs";
import * as stream64m from "./scenarios/stream-64m.mjs";
import * as upload5g from "./scenarios/upload-5g.mjs";

const SCENARIOS = [download64m, stream64m, download1k, listings, orders, profile, cpuProfile, upload5g];
const enabled = (s) => selected(s.name) && (s !== upload5g || CONFIG.huge);

async function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function main() {
  for (const port of [CONFIG.port, CONFIG.port + 2]) {
    if (!(await portFree(port))) throw new Error(`port ${port} is in use; set BENCH_PORT`);
  }
  ensureDevVars(); // .dev.vars goes into the snapshot
  const source = snapshotWorker();
  const { small } = await seedState();
  const gateway = await startDev({
    name: "gateway",
    port: CONFIG.port,
    persistTo: STATE,
    vars: { BENCH_BASELINE: "1" },
  });
  const benchWorker = await startDev({
    name: "bench Worker",
    port: CONFIG.port + 2,
    persistTo: BENCH_WORKER_STATE,
    config: BENCH_WORKER_CONFIG,
    probe: "/r2/none",
  });
  const sampler = startRssSampler(gateway.procs);
  const ctx = { gateway, benchWorker, sampler, counted: { gateway200: 0 }, countedPaths: [], smallBytes: small };
  const results = { source, date: new Date(started).toISOString(), method: METHOD, config: CONFIG, scenarios: {} };

  for (const scenario of SCENARIOS.filter(enabled)) {
    log(`scenario ${scenario.name}`);
    results.scenarios[scenario.name] = await scenario.run(ctx);
    await sleep(CONFIG.settleMs);
  }
  sampler.stop();
  // A workerd that restarted mid-run (it should not: the Workers are a frozen snapshot)
  // would make every figure above meaningless.
  for (const server of [gateway, benchWorker]) {
    const gone = server.procs.filter((p) => !isAlive(p.pid));
    if (gone.length > 0)
      throw new Error(`${server.name}: workerd ${gone.map((p) => p.pid).join(", ")} restarted during the run`);
  }
  if (ctx.countedPaths.length > 0) results.counting = await checkCounts(ctx);
  await stopAll();

  results.machine = machine();
  results.elapsedSeconds = round((Date.now() - started) / 1000, 1);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log(render(results, SCENARIOS));
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every GET 200 must have counted once on its link. Requests cut off when a run's
 * duration ends may have counted without their 200 reaching us: at most one per
 * connection per gateway run.
 */
async function checkCounts({ gateway, counted, countedPaths }) {
  log("reading every link's count back through /info");
  await sleep(CONFIG.settleMs);
  let countedOnLinks = 0;
  for (let i = 0; i < countedPaths.length; i += 20) {
    const batch = await Promise.all(
      countedPaths.slice(i, i + 20).map(async (path) => {
        const res = await fetch(`${gateway.baseUrl}${path}/info`);
        if (res.status !== 200) throw new Error(`/info answered ${res.status}`);
        return (await res.json()).download_count;
      }),
    );
    countedOnLinks += batch.reduce((s, n) => s + n, 0);
  }
  const gatewayRuns = 2 * (1 + CONFIG.rounds) + 1;
  const slack = gatewayRuns * Math.max(CONFIG.connections, CONFIG.largeConnections);
  return {
    gateway200Seen: counted.gateway200,
    countedOnLinks,
    cutOffAllowance: slack,
    ok: countedOnLinks >= counted.gateway200 && countedOnLinks - counted.gateway200 <= slack,
  };
}

try {
  await main();
} catch (error) {
  if (!isStopping()) console.error(error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
