// Load generators (autocannon for small bodies, a body-discarding stream loop for large
// ones), the paired-rounds method and a single timed GET.
import autocannon from "autocannon";
import http from "node:http";
import { CLIENT_HEADERS, CONFIG, fmtBytesPerSec, log, round, sleep } from "./config.mjs";
import { cpuMs } from "./procs.mjs";
import { aggregate, median } from "./stats.mjs";

/**
 * One bounded autocannon run against `server`. `paths` are rotated per request
 * (setupRequest), so a pool of pre-signed links spreads the gateway's counting over that
 * many Durable Objects. CPU is the server's Worker process's over the run.
 */
export async function load({ label, server, paths, connections, seconds, amount, headers = {} }) {
  let next = Math.floor(Math.random() * paths.length);
  const latencies = [];
  const statuses = {};
  const cpuBefore = cpuMs(server.workerPids);
  const instance = autocannon({
    url: server.baseUrl,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    timeout: 30,
    headers: { ...CLIENT_HEADERS, ...headers },
    requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
  instance.on("response", (_client, status, _bytes, responseTime) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    latencies.push(responseTime);
  });
  const result = await instance;
  const cpu = cpuMs(server.workerPids) - cpuBefore;
  const ok = statuses[200] ?? 0;
  const bad = Object.entries(statuses).filter(([status]) => status !== "200");
  if (bad.length > 0 || result.errors > 0) {
    throw new Error(
      `${label}: unexpected answers ${JSON.stringify(Object.fromEntries(bad))}, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { label, seconds: result.duration, ok, bytes: result.throughput.total, latencies, cpuMs: cpu };
}

/**
 * The large-body load. autocannon appends every body chunk to a string
 * (lib/pipelinedRequestsQueue.js `req.body += data`), so on large bodies it measures its
 * own string building (~50 MB/s here), not the server. This loop does what autocannon
 * does for it — `connections` keep-alive sockets, each issuing GETs back to back for
 * `seconds` — but discards the body, counting bytes received inside the window.
 */
export async function streamLoad({ label, server, paths, connections, seconds }) {
  let next = Math.floor(Math.random() * paths.length);
  const latencies = [];
  const statuses = {};
  let bytes = 0;
  let open = true;
  const inFlight = new Set();
  const cpuBefore = cpuMs(server.workerPids);
  const t0 = performance.now();
  const connection = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (open) {
        const path = paths[next++ % paths.length];
        await new Promise((resolve, reject) => {
          const start = performance.now();
          const request = http.get(`${server.baseUrl}${path}`, { agent, headers: CLIENT_HEADERS }, (response) => {
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
  const cpu = cpuMs(server.workerPids) - cpuBefore;
  const bad = Object.entries(statuses).filter(([status]) => status !== "200");
  if (bad.length > 0) throw new Error(`${label}: unexpected answers ${JSON.stringify(Object.fromEntries(bad))}`);
  return { label, seconds: elapsed, ok: statuses[200] ?? 0, bytes, latencies, cpuMs: cpu };
}

/**
 * Paired rounds: the routes take turns on the same connection count, the order rotated
 * by one each round (G B | B G | … for two routes; G B F | B F G | F G B | … for three),
 * so every route runs in every position as evenly as the rounds allow. A short pause
 * between runs lets the gateway's background work (the link outboxes' D1 flush, due 1 s
 * after a request) land in its own round's gap rather than in another route's
 * measurement. `onRun(route, run)` sees every run, warm-ups included (the gateway counts
 * its 200s). Returns each route's aggregate, per-round figures included.
 */
export async function paired({ name, routes, connections, rss, metric, loader = load, onRun = () => {} }) {
  log(`${name}: warm-up ${CONFIG.warmupSeconds} s per route`);
  for (const route of routes) {
    if (rss) rss.phase = route.name;
    const run = await loader({
      label: `${name} warm-up ${route.name}`,
      ...route,
      connections,
      seconds: CONFIG.warmupSeconds,
    });
    onRun(route, run);
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
        ...route,
        connections,
        seconds: CONFIG.roundSeconds,
      });
      onRun(route, run);
      runs[route.name].push(run);
      log(
        `${name} round ${i + 1} ${route.name.padEnd(12)} ${(run.ok / run.seconds).toFixed(1).padStart(8)} req/s  ${fmtBytesPerSec(run.bytes / run.seconds).padStart(11)}  ${(run.cpuMs / Math.max(1, run.ok)).toFixed(2)} ms cpu/req`,
      );
      if (rss) rss.phase = "idle";
      await sleep(CONFIG.settleMs);
    }
  }
  return Object.fromEntries(routes.map((route) => [route.name, { ...aggregate(runs[route.name]), metric }]));
}

/**
 * `route` against `reference` from paired rounds: the ratio of the totals, each round's
 * own ratio (on a shared machine a noisy neighbour hits one run, not a pair) and their median.
 */
export function ratioOf(results, route, reference, metric) {
  const a = results[route];
  const b = results[reference];
  const perRound = a.perRound.map((r, i) => round(r[metric] / b.perRound[i][metric], 3));
  return { value: round(a[metric] / b[metric], 3), perRound, median: median(perRound) };
}

/** One GET over a keep-alive agent: time to headers, to the first body byte, and to the end. */
export function timedGet(agent, baseUrl, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstByte = null;
    let bytes = 0;
    const request = http.get(`${baseUrl}${path}`, { agent, headers: { ...CLIENT_HEADERS, ...headers } }, (response) => {
      const headersMs = performance.now() - t0;
      response.on("data", (chunk) => {
        if (firstByte === null) firstByte = performance.now() - t0;
        bytes += chunk.length;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode, headersMs, ttfbMs: firstByte, totalMs: performance.now() - t0, bytes }),
      );
      response.on("error", reject);
    });
    request.setTimeout(60_000, () => request.destroy(new Error(`timed out: ${path}`)));
    request.on("error", reject);
  });
}
