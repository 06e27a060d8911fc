// Percentiles and the per-route aggregate of a set of load runs.
import { round } from "./config.mjs";

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/** Sums rounds of one route: req/s, bytes/s, latency percentiles over every response, CPU per request. */
export function aggregate(runs) {
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
      cpuMsPerRequest: r.ok > 0 ? r.cpuMs / r.ok : null,
    })),
  };
}
