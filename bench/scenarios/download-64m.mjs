// 64 MiB through the gateway against the same object with no checks, in the same
// process (issue 13, target 2): sequential GETs first (time to first byte, the memory one
// stream takes), then paired rounds of concurrent streams (MB/s, memory under load).
import http from "node:http";
import { CONFIG, TARGETS, fmtBytesPerSec, fmtRatio, log, mib, round, verdict } from "../lib/config.mjs";
import { paired, ratioOf, streamLoad, timedGet } from "../lib/load.mjs";
import { FILES, signedPath } from "../lib/seed.mjs";
import { median } from "../lib/stats.mjs";

export const name = "download-64m";

export async function run({ gateway, sampler, counted, countedPaths }) {
  const gatewayPaths = await Promise.all(
    Array.from({ length: CONFIG.largeLinks }, (_, i) => signedPath(`l-${i}`, FILES.large.fileId)),
  );
  countedPaths.push(...gatewayPaths);
  const baselinePaths = [`/__bench/r2/bench/${FILES.large.fileId}`];

  log(`64 MiB: priming ${CONFIG.largeLinks} links (HEAD, never counts)`);
  for (let i = 0; i < gatewayPaths.length; i += 10) {
    await Promise.all(
      gatewayPaths.slice(i, i + 10).map(async (path) => {
        const res = await fetch(`${gateway.baseUrl}${path}`, { method: "HEAD" });
        if (res.status !== 200) throw new Error(`HEAD ${path.slice(0, 40)}…: ${res.status}`);
      }),
    );
  }

  const rssBefore = sampler.sampleNow();
  log(`64 MiB: time to first byte, ${CONFIG.ttfbSamples} sequential requests per route`);
  const ttfb = await firstBytes(gateway, gatewayPaths, baselinePaths[0], sampler, counted);
  const results = await paired({
    name: "64 MiB",
    routes: [
      { name: "gateway", server: gateway, paths: gatewayPaths },
      { name: "baseline", server: gateway, paths: baselinePaths },
    ],
    connections: CONFIG.largeConnections,
    rss: sampler,
    metric: "bytesPerSec",
    loader: streamLoad,
    onRun: (route, r) => route.name === "gateway" && (counted.gateway200 += r.ok),
  });
  const rssOf = (key) => {
    const beforeKiB = rssBefore[key];
    const growth = (phase) => sampler.peak(phase, key) - beforeKiB;
    return {
      beforeKiB,
      singleStream: { growthGatewayKiB: growth("gateway-single"), growthBaselineKiB: growth("baseline-single") },
      concurrentStreams: {
        streams: CONFIG.largeConnections,
        peakGatewayKiB: sampler.peak("gateway", key),
        growthGatewayKiB: growth("gateway"),
        growthBaselineKiB: growth("baseline"),
      },
    };
  };
  const rss = gateway.procs.map((p) => ({ ...p, ...rssOf(p.pid) }));
  const worker = rss.find((p) => p.role === "worker");
  const ratio = ratioOf(results, "gateway", "baseline", "bytesPerSec");
  const growthMiB = worker.concurrentStreams.growthGatewayKiB / 1024;
  return {
    ...results,
    ratio,
    ttfb,
    rss,
    targets: {
      largeBytesRatio: {
        target: TARGETS.largeBytesRatio,
        value: ratio.value,
        pass: ratio.value >= TARGETS.largeBytesRatio,
      },
      rssGrowthMiB: {
        target: TARGETS.rssGrowthMiB,
        measured: `Worker process, ${CONFIG.largeConnections} concurrent 64 MiB streams through the gateway`,
        value: round(growthMiB, 1),
        pass: growthMiB < TARGETS.rssGrowthMiB,
      },
    },
  };
}

async function firstBytes(gateway, gatewayPaths, baselinePath, rss, counted) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = { gateway: [], baseline: [] };
  try {
    // One unmeasured request each, so the socket is open for both.
    rss.phase = "baseline-single";
    await timedGet(agent, gateway.baseUrl, baselinePath);
    rss.phase = "gateway-single";
    await timedGet(agent, gateway.baseUrl, gatewayPaths.at(-1)).then(() => (counted.gateway200 += 1));
    for (let i = 0; i < CONFIG.ttfbSamples; i++) {
      for (const route of i % 2 === 0 ? ["gateway", "baseline"] : ["baseline", "gateway"]) {
        rss.phase = `${route}-single`;
        const path = route === "gateway" ? gatewayPaths[i % gatewayPaths.length] : baselinePath;
        const sample = await timedGet(agent, gateway.baseUrl, path);
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
    medianTtfbMs: round(median(list.map((s) => s.ttfbMs)), 2),
    medianTotalMs: round(median(list.map((s) => s.totalMs)), 1),
    singleStreamBytesPerSec: Math.round(CONFIG.largeBytes / (median(list.map((s) => s.totalMs)) / 1000)),
  });
  return { gateway: summary(samples.gateway), baseline: summary(samples.baseline) };
}

export function report(r) {
  const w = [22, 9, 8, 9, 9, 6, 12];
  const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  const t = r.targets;
  return [
    row(["64 MiB", "MB/s", "req/s", "p50 ms", "p99 ms", "ratio", "target"]),
    row([
      "gateway",
      (r.gateway.bytesPerSec / 1e6).toFixed(1),
      r.gateway.reqPerSec,
      r.gateway.p50Ms,
      r.gateway.p99Ms,
      fmtRatio(r.ratio.value),
      `≥${t.largeBytesRatio.target} ${verdict(t.largeBytesRatio.pass)}`,
    ]),
    row([
      "baseline (bare R2)",
      (r.baseline.bytesPerSec / 1e6).toFixed(1),
      r.baseline.reqPerSec,
      r.baseline.p50Ms,
      r.baseline.p99Ms,
      "",
      "",
    ]),
    `  per-round ratios ${r.ratio.perRound.map(fmtRatio).join(" / ")}, median ${fmtRatio(r.ratio.median)}`,
    `  TTFB, median of ${r.ttfb.gateway.samples} sequential GETs: gateway ${r.ttfb.gateway.medianTtfbMs} ms, baseline ${r.ttfb.baseline.medianTtfbMs} ms; ` +
      `whole file: gateway ${r.ttfb.gateway.medianTotalMs} ms (${fmtBytesPerSec(r.ttfb.gateway.singleStreamBytesPerSec)}), baseline ${r.ttfb.baseline.medianTotalMs} ms (${fmtBytesPerSec(r.ttfb.baseline.singleStreamBytesPerSec)})`,
    ...r.rss.map(
      (p) =>
        `  RSS workerd (${p.role}) before ${mib(p.beforeKiB)} MiB; 1 stream: gateway +${mib(p.singleStream.growthGatewayKiB)}, baseline +${mib(p.singleStream.growthBaselineKiB)}; ` +
        `${p.concurrentStreams.streams} streams: gateway +${mib(p.concurrentStreams.growthGatewayKiB)}` +
        `${p.role === "worker" ? ` (<${t.rssGrowthMiB.target} MiB ${verdict(t.rssGrowthMiB.pass)})` : ""}, baseline +${mib(p.concurrentStreams.growthBaselineKiB)}`,
    ),
  ];
}
