// 1 KiB with 1,000 links (issue 13, target 1): the gateway against the least a counting
// design must do — bench/worker's FloorCounter: one RPC that upserts one row in the
// link's own SQLite Durable Object, then the same R2 stream — and against its read-only
// twin, bare R2 in both processes, one link taking every request, and first use.
import { CONFIG, TARGETS, fmtRatio, log, round, sleep, verdict } from "../lib/config.mjs";
import { aggregate } from "../lib/stats.mjs";
import { load, paired, ratioOf } from "../lib/load.mjs";
import { FILES, signedPath } from "../lib/seed.mjs";

export const name = "download-1k";

export async function run({ gateway, benchWorker, counted, countedPaths, smallBytes }) {
  const links = Array.from({ length: CONFIG.links }, (_, i) => `s-${i}`);
  const gatewayPaths = await Promise.all(links.map((link) => signedPath(link, FILES.small.fileId)));
  const singlePath = await signedPath("single", FILES.small.fileId);
  countedPaths.push(...gatewayPaths, singlePath);
  // The bench Worker holds the same bytes under its own key; floors rotate over as many links.
  const key = "one-kib";
  const res = await fetch(`${benchWorker.baseUrl}/r2/${key}`, { method: "PUT", body: smallBytes });
  if (res.status !== 201) throw new Error(`bench Worker PUT answered ${res.status}`);
  const routes = [
    { name: "gateway", server: gateway, paths: gatewayPaths },
    { name: "floor-upsert", server: benchWorker, paths: links.map((l) => `/upsert/${l}/${key}`) },
    { name: "floor-read", server: benchWorker, paths: links.map((l) => `/read/${l}/${key}`) },
    { name: "baseline", server: gateway, paths: [`/__bench/r2/bench/${FILES.small.fileId}`] },
    { name: "bench-r2", server: benchWorker, paths: [`/r2/${key}`] },
  ];

  // Sanity: every route answers 200 with the right bytes before anything is measured.
  for (const route of routes) {
    const response = await fetch(`${route.server.baseUrl}${route.paths[0]}`);
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200 || Buffer.compare(body, smallBytes) !== 0) {
      throw new Error(`sanity check ${route.name}: ${response.status}, ${body.byteLength} bytes`);
    }
    if (route.name === "gateway") counted.gateway200 += 1;
  }

  // Every link's Durable Object (the gateway's and the floor's) exists before it is measured.
  log(`1 KiB: first use of each of ${CONFIG.links} links (one GET each, creates its Durable Object)`);
  const firstUseRun = await load({
    label: "1 KiB first use",
    ...routes[0],
    connections: CONFIG.connections,
    amount: links.length,
  });
  counted.gateway200 += firstUseRun.ok;
  for (const route of routes.slice(1, 3)) {
    await load({ label: `${route.name} first use`, ...route, connections: CONFIG.connections, amount: links.length });
  }
  await sleep(CONFIG.settleMs);

  const results = await paired({
    name: "1 KiB",
    routes,
    connections: CONFIG.connections,
    metric: "reqPerSec",
    onRun: (route, r) => route.name === "gateway" && (counted.gateway200 += r.ok),
  });

  log("1 KiB: single link (worst case), one run");
  const singleRun = await load({
    label: "1 KiB single link",
    server: gateway,
    paths: [singlePath],
    connections: CONFIG.connections,
    seconds: CONFIG.roundSeconds,
  });
  counted.gateway200 += singleRun.ok;
  await sleep(CONFIG.settleMs);

  const overFloor = results.gateway.workerdCpuMsPerRequest - results["floor-upsert"].workerdCpuMsPerRequest;
  const overFloorPerRound = results.gateway.perRound.map((r, i) =>
    round(r.cpuMsPerRequest - results["floor-upsert"].perRound[i].cpuMsPerRequest, 3),
  );
  const floorRatio = ratioOf(results, "gateway", "floor-upsert", "reqPerSec");
  const baselineRatio = ratioOf(results, "gateway", "baseline", "reqPerSec");
  return {
    ...results,
    firstUse: aggregate([firstUseRun]),
    singleLink: aggregate([singleRun]),
    ratios: {
      floorUpsert: floorRatio,
      floorRead: ratioOf(results, "gateway", "floor-read", "reqPerSec"),
      baseline: baselineRatio,
      // The two processes' bare R2 against each other: how far apart the processes are on their own.
      benchR2ToBaseline: ratioOf(results, "bench-r2", "baseline", "reqPerSec"),
      singleLinkToFloor: round(singleRun.ok / singleRun.seconds / results["floor-upsert"].reqPerSec, 3),
    },
    cpuOverFloorMs: { value: round(overFloor, 3), perRound: overFloorPerRound },
    targets: {
      floorRatio: { target: TARGETS.floorRatio, value: floorRatio.value, pass: floorRatio.value >= TARGETS.floorRatio },
      cpuOverFloorMs: {
        target: TARGETS.cpuOverFloorMs,
        value: round(overFloor, 3),
        pass: overFloor <= TARGETS.cpuOverFloorMs,
      },
      baselineRatio: {
        target: TARGETS.baselineRatio,
        value: baselineRatio.value,
        pass: baselineRatio.value >= TARGETS.baselineRatio,
      },
    },
  };
}

export function report(r) {
  const w = [28, 8, 8, 8, 10, 14, 12];
  const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  const t = r.targets;
  const line = (label, a, ratio, target) =>
    row([label, a.reqPerSec, a.p50Ms, a.p99Ms, a.workerdCpuMsPerRequest, ratio, target]);
  return [
    row(["1 KiB, 1,000 links", "req/s", "p50 ms", "p99 ms", "cpu ms/req", "gateway/route", "target"]),
    line("gateway", r.gateway, "", ""),
    line(
      "floor: 1 DO upsert + R2",
      r["floor-upsert"],
      fmtRatio(r.ratios.floorUpsert.value),
      `≥${t.floorRatio.target} ${verdict(t.floorRatio.pass)}`,
    ),
    line("floor: 1 DO read + R2", r["floor-read"], fmtRatio(r.ratios.floorRead.value), ""),
    line(
      "baseline: bare R2 (gateway)",
      r.baseline,
      fmtRatio(r.ratios.baseline.value),
      `≥${t.baselineRatio.target} ${verdict(t.baselineRatio.pass)}`,
    ),
    line("bare R2 (bench Worker)", r["bench-r2"], "", ""),
    line("gateway, 1 link", r.singleLink, fmtRatio(r.ratios.singleLinkToFloor), "(to floor)"),
    line("gateway, first use", r.firstUse, "", "(new DOs)"),
    `  gateway/upsert floor per round ${r.ratios.floorUpsert.perRound.map(fmtRatio).join(" / ")} (median ${fmtRatio(r.ratios.floorUpsert.median)}); ` +
      `/read floor ${r.ratios.floorRead.perRound.map(fmtRatio).join(" / ")}; /bare R2 ${r.ratios.baseline.perRound.map(fmtRatio).join(" / ")}`,
    `  gateway CPU on top of the upsert floor: ${r.cpuOverFloorMs.value} ms/request (≤${t.cpuOverFloorMs.target} ${verdict(t.cpuOverFloorMs.pass)}; per round ${r.cpuOverFloorMs.perRound.join(" / ")})`,
    `  the two processes' bare R2 routes: bench Worker/gateway ${fmtRatio(r.ratios.benchR2ToBaseline.value)} (1.00 = the processes are comparable)`,
  ];
}
