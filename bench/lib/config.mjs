// Knobs, targets and small shared helpers of `npm run bench`.
import os from "node:os";
import { join } from "node:path";
import { ROOT } from "../../scripts/lib/localGateway.ts";

export { ROOT };
/** BENCH_OUT: where state and results go (default bench/out), so two runs can share a machine. */
export const OUT = process.env.BENCH_OUT ? join(process.cwd(), process.env.BENCH_OUT) : join(ROOT, "bench", "out");
export const HOST = "127.0.0.1";

const num = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

/**
 * Environment: BENCH_PORT (8799; the bench Worker takes BENCH_PORT + 2), BENCH_ROUNDS (3),
 * BENCH_ROUND_SECONDS (5), BENCH_CONNECTIONS (10, 1 KiB), BENCH_LARGE_CONNECTIONS (8,
 * 64 MiB), BENCH_LINKS (1000), BENCH_TTFB_SAMPLES (20), BENCH_LISTING_CONNECTIONS (4),
 * BENCH_PROFILE_CPU_MS (400: CPU each profile step is run for), BENCH_5G=1 (the 5 GiB
 * scenario, off by default: ~11 GB of disk and minutes), BENCH_ONLY (comma-separated
 * scenario names).
 */
export const CONFIG = {
  port: num("BENCH_PORT", 8799),
  rounds: num("BENCH_ROUNDS", 3),
  roundSeconds: num("BENCH_ROUND_SECONDS", 5),
  warmupSeconds: 3,
  settleMs: 1500,
  connections: num("BENCH_CONNECTIONS", 10),
  largeConnections: num("BENCH_LARGE_CONNECTIONS", 8),
  links: num("BENCH_LINKS", 1000),
  largeLinks: 20,
  ttfbSamples: num("BENCH_TTFB_SAMPLES", 20),
  listingConnections: num("BENCH_LISTING_CONNECTIONS", 4),
  profileCpuMs: num("BENCH_PROFILE_CPU_MS", 400),
  smallBytes: 1024,
  largeBytes: 64 * 1024 * 1024,
  huge: process.env.BENCH_5G === "1",
  only: process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(",").map((s) => s.trim()) : null,
};

/** Issue 13's targets; every figure the report prints against one says PASS or MISS. */
export const TARGETS = {
  /** Target 1: gateway req/s over the minimal counting floor's, 1 KiB, 1,000 links. */
  floorRatio: 0.9,
  /** Target 1: the gateway's CPU per request on top of the floor's. */
  cpuOverFloorMs: 0.5,
  /** Issue 2's figure, still printed: gateway req/s over bare R2 in the same process. */
  baselineRatio: 0.85,
  /** Target 2. */
  largeBytesRatio: 0.95,
  rssGrowthMiB: 64,
  /** Target 3: listing req/s over its own floor's (reads the same rows, no signing). */
  listingRatio: 0.7,
};

export const TENANT = "bench";

export const started = Date.now();
export const log = (message) =>
  process.stderr.write(`• ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${message}\n`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
export const loadAtStart = os.loadavg().map((l) => round(l, 2));

export const fmtBytesPerSec = (b) => `${(b / 1e6).toFixed(b >= 1e8 ? 0 : 1)} MB/s`;
export const fmtRatio = (r) => (Number.isFinite(r) ? r.toFixed(2) : "n/a");
export const verdict = (pass) => (pass ? "PASS" : "MISS");
export const mib = (kib) => (kib / 1024).toFixed(1);

/** A scenario runs when BENCH_ONLY is unset or names it. */
export const selected = (name) => CONFIG.only === null || CONFIG.only.includes(name);

/**
 * Every measured request names its client, as curl, wget and browsers do: a request with
 * no User-Agent is treated as a link scanner (docs/CONTRACT.md §6 rule 4a) and served
 * uncounted while the link has scanner passes, which would measure less than a download.
 */
export const CLIENT_HEADERS = { "User-Agent": "dlgate-bench/1 (download client)" };
