// Where the gateway's own CPU goes on the 1 KiB download path, measured on the real
// request path (issue 13, target 1). The `profile` scenario prices steps one by one in
// the bench Worker; what it cannot see is the work between them (routing, caches,
// screening, headers, waitUntil, workerd's own per-request cost). This one attaches to
// the gateway's isolate through wrangler's inspector (DevTools protocol), runs V8's
// sampling profiler while 1 KiB downloads over 1,000 links are served, and attributes
// every sample to the function it was in (self time) and to each frame on its stack
// (total time). The Worker and its Durable Objects run in the same isolate locally, so
// the link object's work is in the same profile. Writes bench/out/gateway.cpuprofile
// (open it in Chrome DevTools) and prints the heaviest entries.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG, OUT, log, round, sleep } from "../lib/config.mjs";
import { load } from "../lib/load.mjs";
import { FILES, signedPath } from "../lib/seed.mjs";

export const name = "cpu-profile";

/** The gateway's isolate's DevTools socket (wrangler's inspector proxy, BENCH_PORT + 1000). */
async function inspectorSocket(server) {
  const inspectorPort = Number(new URL(server.baseUrl).port) + 1000;
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspector target on ${inspectorPort}: ${JSON.stringify(targets)}`);
  // Node 22's own WebSocket client; the inspector proxy admits only local origins.
  const socket = new globalThis.WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error("inspector socket failed"));
  });
  let nextId = 1;
  const pending = new Map();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
    else waiter.resolve(message.result);
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/** Self and total sample counts per function (name + file:line), from a V8 CPU profile. */
export function attribute(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const key = ({ callFrame: f }) =>
    `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}${f.source ? `  «${f.source}»` : ""}`;
  const self = new Map();
  const total = new Map();
  const samplesPerNode = new Map();
  for (const id of profile.samples) samplesPerNode.set(id, (samplesPerNode.get(id) ?? 0) + 1);
  for (const [id, count] of samplesPerNode) {
    const node = byId.get(id);
    self.set(key(node), (self.get(key(node)) ?? 0) + count);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const k = key(byId.get(at));
      if (seen.has(k)) continue; // recursion counts once per sample
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + count);
    }
  }
  return { self, total, samples: profile.samples.length };
}

export async function run({ gateway, benchWorker, counted, countedPaths, smallBytes }) {
  const links = Array.from({ length: CONFIG.links }, (_, i) => `p-${i}`);
  const paths = await Promise.all(links.map((link) => signedPath(link, FILES.small.fileId)));
  countedPaths.push(...paths);
  const put = await fetch(`${benchWorker.baseUrl}/r2/one-kib`, { method: "PUT", body: smallBytes });
  if (put.status !== 201) throw new Error(`bench Worker PUT answered ${put.status}`);
  const gatewayProfile = await profileRoute({ name: "gateway", server: gateway, paths, counted });
  // The same load on the minimal counting floor (one DO upsert + the same R2 stream), so the
  // gateway's profile can be read against what any counting design spends.
  const floorPaths = links.map((link) => `/upsert/${link}/one-kib`);
  const floorProfile = await profileRoute({ name: "floor", server: benchWorker, paths: floorPaths });
  return { gateway: gatewayProfile, floor: floorProfile };
}

/** First use of every link, then `CONFIG.roundSeconds × 2` of load under the profiler. */
async function profileRoute({ name, server, paths, counted = null }) {
  log(`cpu-profile ${name}: first use of ${paths.length} links`);
  const first = await load({
    label: `${name} first use`,
    server,
    paths,
    connections: CONFIG.connections,
    amount: paths.length,
  });
  if (counted) counted.gateway200 += first.ok;
  await sleep(CONFIG.settleMs);

  const inspector = await inspectorSocket(server);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 100 }); // µs
  await inspector.send("Profiler.start");
  const seconds = CONFIG.roundSeconds * 2;
  log(`cpu-profile ${name}: ${seconds} s of 1 KiB downloads under the sampling profiler`);
  const measured = await load({ label: `${name} profiled`, server, paths, connections: CONFIG.connections, seconds });
  if (counted) counted.gateway200 += measured.ok;
  await sleep(CONFIG.settleMs); // the batched log and outbox flushes land inside the profile
  const { profile } = await inspector.send("Profiler.stop");
  // The bundle as the isolate runs it, so each entry can be shown with its source line.
  await inspector.send("Debugger.enable");
  const sources = new Map();
  for (const scriptId of new Set(profile.nodes.map((n) => n.callFrame.scriptId).filter((id) => id !== "0"))) {
    try {
      sources.set(scriptId, (await inspector.send("Debugger.getScriptSource", { scriptId })).scriptSource.split("\n"));
    } catch {
      // a script the isolate no longer has
    }
  }
  await inspector.send("Debugger.disable");
  inspector.close();
  writeFileSync(join(OUT, `${name}.cpuprofile`), JSON.stringify(profile));
  const sourceLine = (scriptId, line) => sources.get(scriptId)?.[line]?.trim().slice(0, 90) ?? "";
  for (const node of profile.nodes)
    node.callFrame.source = sourceLine(node.callFrame.scriptId, node.callFrame.lineNumber);

  const { self, total, samples } = attribute(profile);
  const requests = measured.ok;
  const spanMs = (profile.endTime - profile.startTime) / 1000;
  const msPerSample = spanMs / samples;
  const perRequest = (count) => round((count * msPerSample) / requests, 4);
  const top = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, count]) => ({ fn, share: round(count / samples, 4), msPerRequest: perRequest(count) }));
  const idle = (self.get("(idle) :0") ?? 0) / samples;
  return {
    name,
    requests,
    reqPerSec: round(requests / measured.seconds, 1),
    workerdCpuMsPerRequest: round(measured.cpuMs / requests, 3),
    isolateBusyMsPerRequest: perRequest(samples * (1 - idle)),
    self: top(self, name === "floor" ? 20 : 40),
    total: top(total, name === "floor" ? 20 : 60),
  };
}

export function report(r) {
  const line = (e) =>
    `  ${e.msPerRequest.toFixed(4).padStart(8)} ms  ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.fn}`;
  return [r.gateway, r.floor].flatMap((p) => [
    `cpu-profile ${p.name}: ${p.requests} requests at ${p.reqPerSec} req/s; workerd CPU ${p.workerdCpuMsPerRequest} ms/request, ` +
      `the isolate busy ${p.isolateBusyMsPerRequest} ms/request (bench/out/${p.name}.cpuprofile)`,
    `  self time per request (heaviest ${p.self.length}):`,
    ...p.self.map(line),
    `  total time per request, the function and everything it called (heaviest ${p.total.length}):`,
    ...p.total.map(line),
  ]);
}
