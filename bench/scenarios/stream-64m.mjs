// Where the 64 MiB download's cost is (issue 13, target 2): the bench Worker sends the
// same 64 MiB object several ways (bench/worker/streamVariants.ts), each a step further
// from a bare R2 response towards what the gateway does, in paired rounds:
//   direct       new Response(object.body)                       (bare R2)
//   fls-one      one R2 read piped into a FixedLengthStream        (the stream hop)
//   pieces-v1    the pieces before issue 13 (7 R2 reads for 64 MiB)
//   pieces       the gateway's pieces, each its own R2 read (3)    (+ piece seams)
//   pieces-call  pieces, then one Durable Object call              (+ the finish() round trip)
//   byob         one R2 read copied by JS in 256 KiB reads          (bytes counted exactly)
//   one-read     one R2 read, JS moves it up to the threshold in 1 MiB reads, then piped
// Diagnostic only: it prints ratios to `direct` and CPU per request, no target.
// BENCH_STREAM_VARIANTS=direct,fls-one picks some (`direct` must be among them).
import { randomBytes } from "node:crypto";
import { CONFIG, fmtRatio, log, round } from "../lib/config.mjs";
import { paired, ratioOf, streamLoad } from "../lib/load.mjs";

export const name = "stream-64m";

const VARIANTS = (process.env.BENCH_STREAM_VARIANTS ?? "direct,fls-one,pieces-v1,pieces,pieces-call,byob,one-read")
  .split(",")
  .map((v) => v.trim());
if (!VARIANTS.includes("direct")) throw new Error("BENCH_STREAM_VARIANTS must include direct, the baseline");
const KEY = "sixty-four-mib";

export async function run({ benchWorker }) {
  log("stream-64m: seeding the bench Worker's 64 MiB object");
  const put = await fetch(`${benchWorker.baseUrl}/r2/${KEY}`, { method: "PUT", body: randomBytes(CONFIG.largeBytes) });
  if (put.status !== 201) throw new Error(`bench Worker PUT answered ${put.status}`);
  const routes = VARIANTS.map((variant) => ({
    name: variant,
    server: benchWorker,
    // 20 paths per variant: the call variant spreads over 20 counter objects like the gateway's 20 links.
    paths: Array.from({ length: CONFIG.largeLinks }, (_, i) => `/stream/${variant}/${KEY}/s64-${i}`),
  }));
  const results = await paired({
    name: "stream-64m",
    routes,
    connections: CONFIG.largeConnections,
    metric: "bytesPerSec",
    loader: streamLoad,
  });
  const ratios = Object.fromEntries(
    VARIANTS.slice(1).map((variant) => [variant, ratioOf(results, variant, "direct", "bytesPerSec")]),
  );
  return { ...results, ratios };
}

export function report(r) {
  const w = [14, 9, 8, 12, 8, 22];
  const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  return [
    row(["64 MiB, ways", "MB/s", "req/s", "cpu ms/req", "ratio", "per round"]),
    ...VARIANTS.map((variant) =>
      row([
        variant,
        (r[variant].bytesPerSec / 1e6).toFixed(1),
        r[variant].reqPerSec,
        round(r[variant].workerdCpuMsPerRequest, 1),
        variant === "direct" ? "" : fmtRatio(r.ratios[variant].value),
        variant === "direct" ? "" : r.ratios[variant].perRound.map(fmtRatio).join(" / "),
      ]),
    ),
  ];
}
