// `npm run bench`: the gateway's download path against a baseline that streams the same
// R2 object with no checks, both served by one local `wrangler dev`, measured paired in
// one run (issue 2, "Benchmark"). Load goes to 127.0.0.1 only, and every phase is bounded.
//
//   1. fresh state in bench/out/state: D1 migrations, tenant "bench" (host 127.0.0.1,
//      HS256 key), files of 1 KiB and 64 MiB in local R2, pre-signed unlimited links;
//   2. `wrangler dev` with BENCH_BASELINE=1 (enables /__bench/r2/… and
//      /__bench/r2-after-link/…) on its own port, run from a snapshot of the Worker copied
//      to a temp dir (edits to src/ during the run would otherwise make wrangler rebuild
//      and restart workerd mid-measurement);
//   3. every link's Durable Object is created before it is measured;
//   4. 64 MiB: sequential GETs (time to first byte, RSS of one stream), then alternating
//      gateway/baseline rounds of concurrent streams (MB/s, RSS under load);
//   5. 1 KiB: the first GET on each link (timed apart), then rounds with autocannon of
//      gateway, baseline and the floor (the baseline after one read-only call to the link's
//      Durable Object, /__bench/r2-after-link/…), their order rotated per round; gateway
//      and floor requests rotate over the link pool so every GET 200 counts on its own
//      link's Durable Object; then one run with every request on ONE link;
//   6. every link's count read back through /info and compared with the 200s seen;
//   7. a table on stdout and bench/out/results.json.
//
// Knobs (environment): BENCH_PORT (8799), BENCH_ROUNDS (3), BENCH_ROUND_SECONDS (5),
// BENCH_CONNECTIONS (10, 1 KiB), BENCH_LARGE_CONNECTIONS (4, 64 MiB), BENCH_LINKS (1000),
// BENCH_TTFB_SAMPLES (20).
import autocannon from "autocannon";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { dirname, join } from "node:path";
import { setInterval, clearInterval } from "node:timers";
import { signDownloadToken } from "../src/sdk/sign.ts";
import { ROOT, ensureDevVars, putLocalFile, upsertTenant, withLocalBindings } from "../scripts/lib/localGateway.mjs";

const OUT = join(ROOT, "bench", "out");
const STATE = join(OUT, "state");
// Outside the repo, so tsc/vitest/prettier never see the copy of src/ while a run is on.
const APP = join(mkdtempSync(join(os.tmpdir(), "dlgate-bench-")), "app");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const HOST = "127.0.0.1";

const num = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const CONFIG = {
  port: num("BENCH_PORT", 8799),
  rounds: num("BENCH_ROUNDS", 3),
  roundSeconds: num("BENCH_ROUND_SECONDS", 5),
  warmupSeconds: 3,
  settleMs: 1500,
  connections: num("BENCH_CONNECTIONS", 10),
  largeConnections: num("BENCH_LARGE_CONNECTIONS", 4),
  links: num("BENCH_LINKS", 1000),
  largeLinks: 20,
  ttfbSamples: num("BENCH_TTFB_SAMPLES", 20),
  smallBytes: 1024,
  largeBytes: 64 * 1024 * 1024,
};
const TARGETS = { smallReqRatio: 0.85, largeBytesRatio: 0.95, rssGrowthMiB: 64 };

const TENANT = "bench";
const KEY = { kid: "bench", secret: randomBytes(32).toString("base64url") };
const FILES = {
  small: { fileId: "one-kib", filename: "one-kib.bin" },
  large: { fileId: "sixty-four-mib", filename: "sixty-four-mib.bin" },
};

const started = Date.now();
const log = (message) =>
  process.stderr.write(`• ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s  ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- lifecycle

let gateway = null;
let sampler = null;
let stopping = false;

function killGroup(signal) {
  if (!gateway || gateway.child.exitCode !== null || gateway.child.signalCode !== null) return;
  try {
    process.kill(-gateway.child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopGateway() {
  if (!gateway) return;
  const { child } = gateway;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup("SIGTERM");
    const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) {
      killGroup("SIGKILL");
      await Promise.race([exited, sleep(2000)]);
    }
  }
  // workerd must not outlive the run, even if it escaped the process group.
  for (const { pid } of gateway.procs ?? []) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
  gateway = null;
}

process.on("exit", () => {
  killGroup("SIGKILL");
  rmSync(dirname(APP), { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    log(`${signal}: stopping wrangler dev`);
    stopGateway()
      .then(() => rmSync(dirname(APP), { recursive: true, force: true }))
      .finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- the Worker under test

/**
 * A frozen copy of the Worker, taken once at the start. `wrangler dev` rebuilds and
 * restarts workerd whenever a watched source file changes; run from the working tree,
 * an edit elsewhere in the repo mid-benchmark would restart the process being measured
 * and mix two versions of the code into one result.
 */
function snapshotWorker() {
  mkdirSync(APP, { recursive: true });
  for (const entry of ["src", "migrations", "wrangler.toml", "package.json", "tsconfig.json", ".dev.vars"]) {
    cpSync(join(ROOT, entry), join(APP, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(APP, "node_modules"), "dir");
  const git = (...args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout?.trim() ?? "";
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    uncommittedSrcFiles: git("status", "--porcelain", "--", "src").split("\n").filter(Boolean).length,
  };
}

function wranglerSync(args) {
  const result = spawnSync(WRANGLER, args, {
    cwd: APP,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
}

/** `wrangler dev` on the snapshot, in its own process group; resolves once /healthz answers. */
async function startGateway() {
  const args = ["dev", "--ip", HOST, "--port", String(CONFIG.port), "--log-level", "error", "--persist-to", STATE];
  args.push("--var", "BENCH_BASELINE:1", "--inspector-port", String(CONFIG.port + 1000));
  const child = spawn(WRANGLER, args, {
    cwd: APP,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    detached: true,
  });
  let output = "";
  const keep = (chunk) => (output = (output + chunk).slice(-4000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  gateway = { child, output: () => output };
  const baseUrl = `http://${HOST}:${CONFIG.port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer within 90 s:\n${output}`);
    await sleep(250);
  }
  return baseUrl;
}

// ---------------------------------------------------------------- /proc helpers

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** pid → { ppid, comm, cpuTicks } from /proc/<pid>/stat. */
function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text
      .slice(close + 2)
      .trim()
      .split(" ");
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), comm, cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** The workerd processes descending from `rootPid` (wrangler → workerd), by a ppid walk. */
function workerdDescendants(rootPid) {
  const children = new Map();
  const comms = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (!stat) continue;
    const pid = Number(entry);
    comms.set(pid, stat.comm);
    if (!children.has(stat.ppid)) children.set(stat.ppid, []);
    children.get(stat.ppid).push(pid);
  }
  const found = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of children.get(pid) ?? []) {
      if ((comms.get(child) ?? "").includes("workerd")) found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function rssKiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples VmRSS of every workerd process every 20 ms and keeps, per phase label
 * ("gateway", "baseline", "idle"), the peak of each process and of their sum.
 */
function startRssSampler(procs) {
  const state = { phase: "idle", peaks: new Map(), last: {} };
  const bump = (key, kib) => state.peaks.set(key, Math.max(state.peaks.get(key) ?? 0, kib));
  const sample = () => {
    const now = { all: 0 };
    for (const { pid } of procs) {
      now[pid] = rssKiB(pid);
      now.all += now[pid];
      bump(`${state.phase}|${pid}`, now[pid]);
    }
    bump(`${state.phase}|all`, now.all);
    state.last = now;
  };
  sample();
  const timer = setInterval(sample, 20);
  timer.unref();
  state.stop = () => clearInterval(timer);
  state.sampleNow = () => {
    sample();
    return state.last;
  };
  state.peak = (phase, key) => state.peaks.get(`${phase}|${key}`) ?? 0;
  return state;
}

/**
 * wrangler dev runs two workerd processes: its proxy (ProxyWorker, listening on the dev
 * port, forwarding every request and body) and the one running the Worker itself.
 */
function workerdRoles(pids) {
  return pids.map((pid) => {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      // gone
    }
    const proxy = pids.length > 1 && cmdline.includes(`entry=${HOST}:${CONFIG.port}`);
    return { pid, role: proxy ? "proxy" : "worker" };
  });
}

const cpuTicks = (pids) => pids.reduce((sum, pid) => sum + (readStat(pid)?.cpuTicks ?? 0), 0);

// ---------------------------------------------------------------- stats

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
const median = (values) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

// ---------------------------------------------------------------- load

/**
 * One bounded autocannon run. `paths` are rotated per request (setupRequest), so a pool
 * of pre-signed links spreads the gateway's counting over that many Durable Objects.
 */
async function load({ label, baseUrl, paths, connections, seconds, pids, amount }) {
  let next = Math.floor(Math.random() * paths.length);
  const latencies = [];
  const statuses = {};
  const cpuBefore = cpuTicks(pids);
  const instance = autocannon({
    url: baseUrl,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    timeout: 30,
    requests: [
      {
        method: "GET",
        setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }),
      },
    ],
  });
  instance.on("response", (_client, status, _bytes, responseTime) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    latencies.push(responseTime);
  });
  const result = await instance;
  const cpuMs = ((cpuTicks(pids) - cpuBefore) * 1000) / CLK_TCK;
  const ok = statuses[200] ?? 0;
  const bad = Object.entries(statuses).filter(([status]) => status !== "200");
  if (bad.length > 0 || result.errors > 0) {
    throw new Error(
      `${label}: unexpected answers ${JSON.stringify(Object.fromEntries(bad))}, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { label, seconds: result.duration, ok, bytes: result.throughput.total, latencies, cpuMs };
}

/** Sums rounds of one route: req/s, bytes/s, latency percentiles over every response. */
function aggregate(runs) {
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const ok = runs.reduce((s, r) => s + r.ok, 0);
  const bytes = runs.reduce((s, r) => s + r.bytes, 0);
  const cpuMs = runs.reduce((s, r) => s + r.cpuMs, 0);
  const sorted = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    requests: ok,
    seconds: round(seconds, 2),
    reqPerSec: round(ok / seconds, 1),
    bytesPerSec: Math.round(bytes / seconds),
    p50Ms: round(percentile(sorted, 50), 2),
    p99Ms: round(percentile(sorted, 99), 2),
    workerdCpuMsPerRequest: ok > 0 ? round(cpuMs / ok, 3) : null,
    workerdCpuPercent: round((cpuMs / (seconds * 1000)) * 100, 0),
    perRound: runs.map((r) => ({
      reqPerSec: round(r.ok / r.seconds, 1),
      bytesPerSec: Math.round(r.bytes / r.seconds),
    })),
  };
}

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Paired rounds: the routes take turns on the same connection count, the order rotated
 * by one each round (G B | B G | … for two routes; G B F | B F G | F G B | … for three),
 * so every route runs in every position equally often. A short pause between runs lets
 * the gateway's background work (the link outboxes' D1 flush, due 1 s after a request)
 * land in its own round's gap rather than in another route's measurement. `routes` must
 * include "gateway" and "baseline"; every route's per-round ratio is taken to the
 * baseline's. Only gateway runs add to `counted.gateway200`.
 */
async function paired({ name, baseUrl, routes, connections, pids, rss, metric, loader = load }) {
  log(`${name}: warm-up ${CONFIG.warmupSeconds} s per route`);
  for (const route of routes) {
    if (rss) rss.phase = route.name;
    const run = await loader({
      label: `${name} warm-up ${route.name}`,
      baseUrl,
      paths: route.paths,
      connections,
      seconds: CONFIG.warmupSeconds,
      pids,
    });
    if (route.name === "gateway") counted.gateway200 += run.ok;
  }
  if (rss) rss.phase = "idle";
  await sleep(CONFIG.settleMs);
  const runs = Object.fromEntries(routes.map((route) => [route.name, []]));
  for (let i = 0; i < CONFIG.rounds; i++) {
    const order = routes.map((_, k) => routes[(i + k) % routes.length]);
    for (const route of order) {
      if (rss) rss.phase = route.name;
      const run = await loader({
        label: `${name} ${route.name} round ${i + 1}`,
        baseUrl,
        paths: route.paths,
        connections,
        seconds: CONFIG.roundSeconds,
        pids,
      });
      if (route.name === "gateway") counted.gateway200 += run.ok;
      runs[route.name].push(run);
      log(
        `${name} round ${i + 1} ${route.name.padEnd(8)} ${(run.ok / run.seconds).toFixed(1).padStart(8)} req/s  ${fmtBytesPerSec(run.bytes / run.seconds).padStart(11)}`,
      );
      if (rss) rss.phase = "idle";
      await sleep(CONFIG.settleMs);
    }
  }
  const aggregates = Object.fromEntries(routes.map((route) => [route.name, aggregate(runs[route.name])]));
  // Each round's own ratio too: on a shared machine a noisy neighbour hits one run, not a pair.
  const pairRatiosOf = (route) =>
    aggregates[route].perRound.map((r, i) => round(r[metric] / aggregates.baseline.perRound[i][metric], 3));
  const pairRatios = pairRatiosOf("gateway");
  const result = { ...aggregates, pairRatios, medianPairRatio: median(pairRatios) };
  // Any further route ("floor"): its per-round ratios to the baseline as <name>PairRatios.
  for (const { name: route } of routes) {
    if (route === "gateway" || route === "baseline") continue;
    const ratios = pairRatiosOf(route);
    result[`${route}PairRatios`] = ratios;
    result[`${route}MedianPairRatio`] = median(ratios);
  }
  return result;
}

/**
 * The 64 MiB load. autocannon appends every body chunk to a string
 * (lib/pipelinedRequestsQueue.js `req.body += data`), so on large bodies it measures its
 * own string building (~50 MB/s here), not the server. This loop does what autocannon
 * does for it — `connections` keep-alive sockets, each issuing GETs back to back for
 * `seconds` — but discards the body, counting bytes received inside the window.
 */
async function streamLoad({ label, baseUrl, paths, connections, seconds, pids }) {
  let next = Math.floor(Math.random() * paths.length);
  const latencies = [];
  const statuses = {};
  let bytes = 0;
  let open = true;
  const inFlight = new Set();
  const cpuBefore = cpuTicks(pids);
  const t0 = performance.now();
  const connection = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (open) {
        const path = paths[next++ % paths.length];
        await new Promise((resolve, reject) => {
          const start = performance.now();
          const request = http.get(`${baseUrl}${path}`, { agent }, (response) => {
            response.on("data", (chunk) => {
              if (open) bytes += chunk.length;
            });
            response.on("end", () => {
              inFlight.delete(request);
              if (open) {
                statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
                latencies.push(performance.now() - start);
              }
              resolve();
            });
            response.on("error", () => resolve());
            response.on("close", () => resolve());
          });
          inFlight.add(request);
          request.on("error", (error) => (open ? reject(error) : resolve()));
        });
      }
    } finally {
      agent.destroy();
    }
  };
  let failure = null;
  const workers = Array.from({ length: connections }, () =>
    connection().catch((error) => {
      failure ??= error;
      open = false;
    }),
  );
  await sleep(seconds * 1000);
  open = false;
  const elapsed = (performance.now() - t0) / 1000;
  for (const request of inFlight) request.destroy();
  await Promise.all(workers);
  if (failure) throw new Error(`${label}: ${failure.message}`);
  const cpuMs = ((cpuTicks(pids) - cpuBefore) * 1000) / CLK_TCK;
  const bad = Object.entries(statuses).filter(([status]) => status !== "200");
  if (bad.length > 0) throw new Error(`${label}: unexpected answers ${JSON.stringify(Object.fromEntries(bad))}`);
  return { label, seconds: elapsed, ok: statuses[200] ?? 0, bytes, latencies, cpuMs };
}

/** One GET over a keep-alive agent: time to headers, to the first body byte, and to the end. */
function timedGet(agent, baseUrl, path) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstByte = null;
    let bytes = 0;
    const request = http.get(`${baseUrl}${path}`, { agent }, (response) => {
      const headers = performance.now() - t0;
      response.on("data", (chunk) => {
        if (firstByte === null) firstByte = performance.now() - t0;
        bytes += chunk.length;
      });
      response.on("end", () =>
        resolve({
          status: response.statusCode,
          headersMs: headers,
          ttfbMs: firstByte,
          totalMs: performance.now() - t0,
          bytes,
        }),
      );
      response.on("error", reject);
    });
    request.setTimeout(60_000, () => request.destroy(new Error(`timed out: ${path}`)));
    request.on("error", reject);
  });
}

async function ttfb({ baseUrl, gatewayPaths, baselinePath, rss }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = { gateway: [], baseline: [] };
  try {
    // One unmeasured request each, so the socket is open for both.
    rss.phase = "baseline-single";
    await timedGet(agent, baseUrl, baselinePath);
    rss.phase = "gateway-single";
    await timedGet(agent, baseUrl, gatewayPaths[gatewayPaths.length - 1]).then(() => (counted.gateway200 += 1));
    for (let i = 0; i < CONFIG.ttfbSamples; i++) {
      for (const route of i % 2 === 0 ? ["gateway", "baseline"] : ["baseline", "gateway"]) {
        rss.phase = `${route}-single`;
        const path = route === "gateway" ? gatewayPaths[i % gatewayPaths.length] : baselinePath;
        const sample = await timedGet(agent, baseUrl, path);
        if (sample.status !== 200 || sample.bytes !== CONFIG.largeBytes) {
          throw new Error(`TTFB ${route}: ${sample.status}, ${sample.bytes} bytes`);
        }
        if (route === "gateway") counted.gateway200 += 1;
        samples[route].push(sample);
      }
    }
  } finally {
    rss.phase = "idle";
    agent.destroy();
  }
  const summary = (list) => ({
    samples: list.length,
    medianHeadersMs: round(median(list.map((s) => s.headersMs)), 2),
    medianTtfbMs: round(median(list.map((s) => s.ttfbMs)), 2),
    medianTotalMs: round(median(list.map((s) => s.totalMs)), 1),
    singleStreamBytesPerSec: Math.round(CONFIG.largeBytes / (median(list.map((s) => s.totalMs)) / 1000)),
  });
  return { gateway: summary(samples.gateway), baseline: summary(samples.baseline) };
}

// ---------------------------------------------------------------- formatting

const fmtBytesPerSec = (b) => `${(b / 1e6).toFixed(b >= 1e8 ? 0 : 1)} MB/s`;
const fmtRatio = (r) => r.toFixed(2);
const verdict = (pass) => (pass ? "PASS" : "MISS");
const mib = (kib) => (kib / 1024).toFixed(1);

// ---------------------------------------------------------------- main

const counted = { gateway200: 0 };

async function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

const loadAtStart = os.loadavg().map((l) => round(l, 2));

async function main() {
  if (!(await portFree(CONFIG.port))) throw new Error(`port ${CONFIG.port} is in use; set BENCH_PORT`);

  log(`fresh state in ${STATE}`);
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const masterKey = ensureDevVars();
  const source = snapshotWorker();
  log(
    `snapshot of the Worker (commit ${source.commit}, ${source.uncommittedSrcFiles} uncommitted file(s) in src/) in ${APP}`,
  );
  wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);

  log("seeding tenant, 1 KiB and 64 MiB files");
  await withLocalBindings(
    async (env) => {
      await upsertTenant(env, masterKey, { id: TENANT, name: "Bench Store", hosts: [HOST], keys: [KEY] });
      await putLocalFile(env, {
        tenant: TENANT,
        ...FILES.small,
        body: randomBytes(CONFIG.smallBytes),
        contentType: "application/octet-stream",
      });
      await putLocalFile(env, {
        tenant: TENANT,
        ...FILES.large,
        body: randomBytes(CONFIG.largeBytes),
        contentType: "application/octet-stream",
      });
    },
    { persistTo: STATE },
  );

  log(`signing ${CONFIG.links} + ${CONFIG.largeLinks} + 1 unlimited links`);
  const sign = (link, file) => signDownloadToken({ tenant: TENANT, link, file, expires: "1d" }, KEY);
  const smallTokens = await Promise.all(
    Array.from({ length: CONFIG.links }, (_, i) => sign(`s-${i}`, FILES.small.fileId)),
  );
  const largeTokens = await Promise.all(
    Array.from({ length: CONFIG.largeLinks }, (_, i) => sign(`l-${i}`, FILES.large.fileId)),
  );
  const singleToken = await sign("single", FILES.small.fileId);
  const paths = {
    smallGateway: smallTokens.map((t) => `/downloads/${t}`),
    largeGateway: largeTokens.map((t) => `/downloads/${t}`),
    singleGateway: [`/downloads/${singleToken}`],
    smallBaseline: [`/__bench/r2/${TENANT}/${FILES.small.fileId}`],
    // The same links as smallGateway, so the floor calls the Durable Objects the gateway uses.
    smallFloor: Array.from(
      { length: CONFIG.links },
      (_, i) => `/__bench/r2-after-link/${TENANT}/s-${i}/${FILES.small.fileId}`,
    ),
    largeBaseline: [`/__bench/r2/${TENANT}/${FILES.large.fileId}`],
  };

  log(`starting wrangler dev on ${HOST}:${CONFIG.port} (BENCH_BASELINE=1)`);
  const baseUrl = await startGateway();
  let found = [];
  for (let i = 0; i < 20 && found.length === 0; i++) {
    found = workerdDescendants(gateway.child.pid);
    if (found.length === 0) await sleep(250);
  }
  if (found.length === 0) throw new Error("no workerd process found under wrangler dev");
  const procs = workerdRoles(found);
  gateway.procs = procs;
  // CPU per request is read from the process that runs the Worker (the proxy's cost is
  // the same for both routes).
  const pids = procs.filter((p) => p.role === "worker").map((p) => p.pid);
  sampler = startRssSampler(procs);
  log(`workerd: ${procs.map((p) => `${p.role} ${p.pid}`).join(", ")}`);
  const rssStart = sampler.sampleNow();

  // Sanity: every route answers 200 with the right length before anything is measured
  // (the floor after the gateway, whose GET has created link s-0's Durable Object).
  for (const [path, size] of [
    [paths.smallGateway[0], CONFIG.smallBytes],
    [paths.smallBaseline[0], CONFIG.smallBytes],
    [paths.smallFloor[0], CONFIG.smallBytes],
  ]) {
    const res = await fetch(`${baseUrl}${path}`);
    const body = await res.arrayBuffer();
    if (res.status !== 200 || body.byteLength !== size) {
      throw new Error(
        `sanity check ${path.slice(0, 40)}…: ${res.status}, ${body.byteLength} bytes: ${new TextDecoder().decode(body).slice(0, 300)}`,
      );
    }
    if (path.startsWith("/downloads/")) counted.gateway200 += 1;
  }

  // Every link's Durable Object is created before anything is measured: one HEAD per
  // 64 MiB link (never counts), one counted GET per 1 KiB link, timed as "first use".
  log(`priming ${CONFIG.largeLinks} 64 MiB links (HEAD)`);
  for (let i = 0; i < paths.largeGateway.length; i += 10) {
    await Promise.all(
      paths.largeGateway.slice(i, i + 10).map(async (path) => {
        const res = await fetch(`${baseUrl}${path}`, { method: "HEAD" });
        if (res.status !== 200) throw new Error(`HEAD ${path.slice(0, 40)}…: ${res.status}`);
      }),
    );
  }

  // 64 MiB: one stream at a time first (time to first byte, and the memory one download
  // takes), then concurrent streams (throughput, and memory under load).
  const rssBefore = sampler.sampleNow();
  log(`64 MiB: time to first byte, ${CONFIG.ttfbSamples} sequential requests per route`);
  const firstByte = await ttfb({
    baseUrl,
    gatewayPaths: paths.largeGateway,
    baselinePath: paths.largeBaseline[0],
    rss: sampler,
  });
  const large = await paired({
    name: "64 MiB",
    baseUrl,
    routes: [
      { name: "gateway", paths: paths.largeGateway },
      { name: "baseline", paths: paths.largeBaseline },
    ],
    connections: CONFIG.largeConnections,
    pids,
    rss: sampler,
    metric: "bytesPerSec",
    loader: streamLoad,
  });
  const rssAfter = sampler.sampleNow();
  const rssOf = (key) => {
    const beforeKiB = rssBefore[key];
    const growth = (phase) => sampler.peak(phase, key) - beforeKiB;
    return {
      startKiB: rssStart[key],
      beforeKiB,
      singleStream: {
        peakGatewayKiB: sampler.peak("gateway-single", key),
        peakBaselineKiB: sampler.peak("baseline-single", key),
        growthGatewayKiB: growth("gateway-single"),
        growthBaselineKiB: growth("baseline-single"),
      },
      concurrentStreams: {
        streams: CONFIG.largeConnections,
        peakGatewayKiB: sampler.peak("gateway", key),
        peakBaselineKiB: sampler.peak("baseline", key),
        growthGatewayKiB: growth("gateway"),
        growthBaselineKiB: growth("baseline"),
      },
      after64MiBKiB: rssAfter[key],
    };
  };
  const rss = {
    processes: procs.map((p) => ({ ...p, ...rssOf(p.pid) })),
    total: rssOf("all"),
  };
  // The target is about the process running the Worker.
  const rssWorker = rss.processes.find((p) => p.role === "worker");

  // 1 KiB: request rate.
  log(`1 KiB: first use of each of ${CONFIG.links} links (one GET each, creates its Durable Object)`);
  const firstUseRun = await load({
    label: "1 KiB first use",
    baseUrl,
    paths: paths.smallGateway,
    connections: CONFIG.connections,
    amount: paths.smallGateway.length,
    pids,
  });
  counted.gateway200 += firstUseRun.ok;
  const firstUse = aggregate([firstUseRun]);
  await sleep(CONFIG.settleMs);
  const small = await paired({
    name: "1 KiB",
    baseUrl,
    routes: [
      { name: "gateway", paths: paths.smallGateway },
      { name: "baseline", paths: paths.smallBaseline },
      { name: "floor", paths: paths.smallFloor },
    ],
    connections: CONFIG.connections,
    pids,
    metric: "reqPerSec",
  });

  log("1 KiB: single link (worst case), one run");
  const singleRun = await load({
    label: "1 KiB single link",
    baseUrl,
    paths: paths.singleGateway,
    connections: CONFIG.connections,
    seconds: CONFIG.roundSeconds,
    pids,
  });
  counted.gateway200 += singleRun.ok;
  const single = aggregate([singleRun]);
  await sleep(CONFIG.settleMs);
  const rssEnd = sampler.sampleNow();
  for (const p of rss.processes) p.after1KiBKiB = rssEnd[p.pid];
  rss.total.after1KiBKiB = rssEnd.all;
  sampler.stop();
  // A workerd that restarted mid-run (it should not: the Worker is a frozen snapshot)
  // would make every figure above meaningless.
  const restarted = procs.filter((p) => !existsSync(`/proc/${p.pid}`));
  if (restarted.length > 0)
    throw new Error(`workerd ${restarted.map((p) => p.pid).join(", ")} restarted during the run`);

  // Every GET 200 must have counted once on its link. Requests cut off when a run's
  // duration ends may have counted without their 200 reaching us: at most one per
  // connection per gateway run.
  log("reading every link's count back through /info");
  await sleep(CONFIG.settleMs);
  const allTokens = [...smallTokens, ...largeTokens, singleToken];
  let countedTotal = 0;
  for (let i = 0; i < allTokens.length; i += 20) {
    const batch = await Promise.all(
      allTokens.slice(i, i + 20).map(async (token) => {
        const res = await fetch(`${baseUrl}/downloads/${token}/info`);
        if (res.status !== 200) throw new Error(`/info answered ${res.status}`);
        return (await res.json()).download_count;
      }),
    );
    countedTotal += batch.reduce((s, n) => s + n, 0);
  }
  const gatewayRuns = 2 * (1 + CONFIG.rounds) + 1;
  const slack = gatewayRuns * Math.max(CONFIG.connections, CONFIG.largeConnections);
  const counting = {
    gateway200Seen: counted.gateway200,
    countedOnLinks: countedTotal,
    cutOffAllowance: slack,
    ok: countedTotal >= counted.gateway200 && countedTotal - counted.gateway200 <= slack,
  };

  await stopGateway();

  const ratios = {
    smallReqPerSec: small.gateway.reqPerSec / small.baseline.reqPerSec,
    singleLinkReqPerSec: single.reqPerSec / small.baseline.reqPerSec,
    floorReqPerSec: small.floor.reqPerSec / small.baseline.reqPerSec,
    largeBytesPerSec: large.gateway.bytesPerSec / large.baseline.bytesPerSec,
  };
  const results = {
    source,
    date: new Date(started).toISOString(),
    machine: {
      nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      totalMemoryBytes: os.totalmem(),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
      node: process.version,
      wrangler: JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version,
    },
    config: {
      ...CONFIG,
      method:
        "autocannon in-process against 127.0.0.1; gateway requests rotate per request (setupRequest) over pre-signed unlimited links (no lim claim), so each GET 200 counts once on its own link's Durable Object; baseline requests hit /__bench/r2/… (same R2 object, no checks); at 1 KiB the floor requests hit /__bench/r2-after-link/… (the baseline after one read-only snapshot() call to the link's Durable Object, rotating over the same links as the gateway, never counted); the routes take turns in rounds, order rotated by one per round (1 KiB: G B F | B F G | F G B | …; 64 MiB: G B | B G | …), after a warm-up, same connections, 1.5 s pause between runs",
    },
    small: {
      ...small,
      firstUse,
      singleLink: single,
      ratio: round(ratios.smallReqPerSec, 3),
      singleLinkRatio: round(ratios.singleLinkReqPerSec, 3),
      floorRatio: round(ratios.floorReqPerSec, 3),
      firstUseRatio: round(firstUse.reqPerSec / small.baseline.reqPerSec, 3),
    },
    large: { ...large, ratio: round(ratios.largeBytesPerSec, 3), ttfb: firstByte },
    rss,
    counting,
    targets: {
      smallReqRatio: {
        target: TARGETS.smallReqRatio,
        value: round(ratios.smallReqPerSec, 3),
        pass: ratios.smallReqPerSec >= TARGETS.smallReqRatio,
      },
      largeBytesRatio: {
        target: TARGETS.largeBytesRatio,
        value: round(ratios.largeBytesPerSec, 3),
        pass: ratios.largeBytesPerSec >= TARGETS.largeBytesRatio,
      },
      rssGrowthMiB: {
        target: TARGETS.rssGrowthMiB,
        measured: "Worker process, one 64 MiB download at a time through the gateway",
        value: round(rssWorker.singleStream.growthGatewayKiB / 1024, 1),
        pass: rssWorker.singleStream.growthGatewayKiB / 1024 < TARGETS.rssGrowthMiB,
      },
    },
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log(table(results));
}

function table(r) {
  const { small, large, rss, targets, counting, machine, config } = r;
  const row = (cells, widths) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  const w1 = [24, 8, 8, 8, 10, 6, 14];
  const w2 = [24, 8, 6, 8, 8, 6, 13];
  const pairs = (p) =>
    `per-round ratios ${p.pairRatios.map(fmtRatio).join(" / ")}, median ${fmtRatio(p.medianPairRatio)}`;
  const load = (l) => l.map((x) => x.toFixed(2)).join(" ");
  const busy = machine.loadAverageAtStart[0] > machine.nproc ? "  ⚠ machine busy: figures are noisy" : "";
  const lines = [
    `dlgate bench · ${r.date} · ${machine.nproc} CPUs (${machine.cpuModel}) · ${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB RAM · node ${machine.node} · wrangler ${machine.wrangler}`,
    `Worker: snapshot of commit ${r.source.commit} with ${r.source.uncommittedSrcFiles} uncommitted file(s) in src/; load average at start ${load(machine.loadAverageAtStart)}, at end ${load(machine.loadAverageAtEnd)}${busy}`,
    `method: one wrangler dev (BENCH_BASELINE=1) on 127.0.0.1:${config.port}; ${config.rounds} paired rounds × ${config.roundSeconds} s per route, order rotated per round (1 KiB G B F | B F G | F G B …, 64 MiB G B | B G …), after ${config.warmupSeconds} s warm-up each;`,
    `  gateway GETs rotate over ${config.links} (1 KiB) / ${config.largeLinks} (64 MiB) pre-signed unlimited links, every link's Durable Object created first, so each GET 200 counts once;`,
    `  1 KiB load: autocannon, ${config.connections} connections; 64 MiB load: ${config.largeConnections} keep-alive streams discarding the body (autocannon buffers bodies into strings)`,
    "",
    row(["1 KiB", "req/s", "p50 ms", "p99 ms", "cpu ms/req", "ratio", "target"], w1),
    row(
      [
        "gateway",
        small.gateway.reqPerSec,
        small.gateway.p50Ms,
        small.gateway.p99Ms,
        small.gateway.workerdCpuMsPerRequest,
        fmtRatio(small.ratio),
        `≥${TARGETS.smallReqRatio} ${verdict(targets.smallReqRatio.pass)}`,
      ],
      w1,
    ),
    row(
      [
        "baseline",
        small.baseline.reqPerSec,
        small.baseline.p50Ms,
        small.baseline.p99Ms,
        small.baseline.workerdCpuMsPerRequest,
        "",
        "",
      ],
      w1,
    ),
    row(
      [
        "R2 + 1 DO read (floor)",
        small.floor.reqPerSec,
        small.floor.p50Ms,
        small.floor.p99Ms,
        small.floor.workerdCpuMsPerRequest,
        fmtRatio(small.floorRatio),
        "(design floor)",
      ],
      w1,
    ),
    row(
      [
        "gateway, 1 link",
        small.singleLink.reqPerSec,
        small.singleLink.p50Ms,
        small.singleLink.p99Ms,
        small.singleLink.workerdCpuMsPerRequest,
        fmtRatio(small.singleLinkRatio),
        "(worst case)",
      ],
      w1,
    ),
    row(
      [
        "gateway, first use",
        small.firstUse.reqPerSec,
        small.firstUse.p50Ms,
        small.firstUse.p99Ms,
        small.firstUse.workerdCpuMsPerRequest,
        fmtRatio(small.firstUseRatio),
        "(new DOs)",
      ],
      w1,
    ),
    `  ${pairs(small)}`,
    `  floor: the baseline plus one read-only call to the link's Durable Object (per-round ratios ${small.floorPairRatios.map(fmtRatio).join(" / ")}, median ${fmtRatio(small.floorMedianPairRatio)}); ` +
      "no design that asks a per-link Durable Object before serving can beat it on this machine",
    "",
    row(["64 MiB", "MB/s", "req/s", "p50 ms", "p99 ms", "ratio", "target"], w2),
    row(
      [
        "gateway",
        (large.gateway.bytesPerSec / 1e6).toFixed(1),
        large.gateway.reqPerSec,
        large.gateway.p50Ms,
        large.gateway.p99Ms,
        fmtRatio(large.ratio),
        `≥${TARGETS.largeBytesRatio} ${verdict(targets.largeBytesRatio.pass)}`,
      ],
      w2,
    ),
    row(
      [
        "baseline",
        (large.baseline.bytesPerSec / 1e6).toFixed(1),
        large.baseline.reqPerSec,
        large.baseline.p50Ms,
        large.baseline.p99Ms,
        "",
        "",
      ],
      w2,
    ),
    `  ${pairs(large)}`,
    `  TTFB, median of ${large.ttfb.gateway.samples} sequential GETs: gateway ${large.ttfb.gateway.medianTtfbMs} ms, baseline ${large.ttfb.baseline.medianTtfbMs} ms; ` +
      `whole file: gateway ${large.ttfb.gateway.medianTotalMs} ms (${fmtBytesPerSec(large.ttfb.gateway.singleStreamBytesPerSec)}), baseline ${large.ttfb.baseline.medianTotalMs} ms (${fmtBytesPerSec(large.ttfb.baseline.singleStreamBytesPerSec)})`,
    ...rss.processes.map(
      (p) =>
        `  RSS ${p.role === "worker" ? "workerd (Worker)" : "workerd (proxy) "} pid ${p.pid}: before ${mib(p.beforeKiB)} MiB; ` +
        `1 stream: gateway +${mib(p.singleStream.growthGatewayKiB)}, baseline +${mib(p.singleStream.growthBaselineKiB)}` +
        `${p.role === "worker" ? ` (<${TARGETS.rssGrowthMiB} ${verdict(targets.rssGrowthMiB.pass)})` : ""}; ` +
        `${config.largeConnections} streams: gateway +${mib(p.concurrentStreams.growthGatewayKiB)}, baseline +${mib(p.concurrentStreams.growthBaselineKiB)}; ` +
        `after the 1 KiB phase ${mib(p.after1KiBKiB)} MiB`,
    ),
    `  cpu ms/req: CPU time of the workerd process running the Worker (incl. its Durable Objects and the local R2/D1) per request`,
    `  RSS: VmRSS every 20 ms; growth = peak while streaming − before the first 64 MiB request (1 stream: the sequential TTFB requests)`,
    "",
    `counting: ${counting.gateway200Seen} gateway GET 200s seen, ${counting.countedOnLinks} counted on the links (${counting.ok ? "OK" : "MISMATCH"}; requests cut off at a run's end may count unseen, ≤ ${counting.cutOffAllowance})`,
    `elapsed ${Math.floor(r.elapsedSeconds / 60)}m ${Math.round(r.elapsedSeconds % 60)}s · bench/out/results.json`,
  ];
  return lines.join("\n");
}

try {
  await main();
} catch (error) {
  if (!stopping) console.error(error);
  process.exitCode = 1;
} finally {
  sampler?.stop?.();
  await stopGateway();
  rmSync(dirname(APP), { recursive: true, force: true });
}
