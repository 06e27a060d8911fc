// The report: a header saying when, where and on what, then each scenario's own lines.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { CONFIG, ROOT, loadAtStart, round } from "./config.mjs";

export function machine() {
  return {
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    totalMemoryBytes: os.totalmem(),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    node: process.version,
    wrangler: JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version,
  };
}

export const METHOD =
  "autocannon in-process against 127.0.0.1 (64 MiB: keep-alive streams that discard the body); the gateway and the bench Worker " +
  "(bench/worker: FloorCounter floors, bare R2, profile) each run by their own wrangler dev from one frozen snapshot; " +
  "gateway GETs rotate over pre-signed unlimited links so each GET 200 counts once on its own link's Durable Object, floor GETs over as many FloorCounter objects; " +
  "routes take turns in paired rounds, order rotated by one per round, after a warm-up, same connections, 1.5 s pause between runs; " +
  "cpu ms/req = CPU time of the workerd process running the serving Worker (its Durable Objects, local R2 and D1 included) per request";

export function render(results, scenarios) {
  const m = results.machine;
  const lines = [
    `dlgate bench · ${results.date} · ${m.nproc} CPUs (${m.cpuModel}) · ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB RAM · node ${m.node} · wrangler ${m.wrangler}`,
    `Worker: snapshot of commit ${results.source.commit} with ${results.source.uncommittedSrcFiles} uncommitted file(s) in src/ and bench/worker/; ` +
      `load average at start ${m.loadAverageAtStart.join(" ")}, at end ${m.loadAverageAtEnd.join(" ")}` +
      (m.loadAverageAtStart[0] > m.nproc ? "  ⚠ machine busy: figures are noisy" : ""),
    `method: ${CONFIG.rounds} paired rounds × ${CONFIG.roundSeconds} s per route; 1 KiB ${CONFIG.connections} connections, 64 MiB ${CONFIG.largeConnections} streams, listings ${CONFIG.listingConnections} connections (bench/out/results.json has the whole method)`,
  ];
  for (const scenario of scenarios) {
    const result = results.scenarios[scenario.name];
    if (!result) continue;
    lines.push("", ...scenario.report(result));
  }
  const c = results.counting;
  if (c) {
    lines.push(
      "",
      `counting: ${c.gateway200Seen} gateway GET 200s seen, ${c.countedOnLinks} counted on the links (${c.ok ? "OK" : "MISMATCH"}; requests cut off at a run's end may count unseen, ≤ ${c.cutOffAllowance})`,
    );
  }
  const failed = Object.values(results.scenarios)
    .flatMap((r) => Object.entries(r.targets ?? {}))
    .filter(([, t]) => !t.pass)
    .map(([k]) => k);
  lines.push(
    `targets: ${failed.length === 0 ? "all PASS" : `MISS ${failed.join(", ")}`} · elapsed ${Math.floor(results.elapsedSeconds / 60)}m ${Math.round(results.elapsedSeconds % 60)}s · bench/out/results.json`,
  );
  return lines.join("\n");
}
