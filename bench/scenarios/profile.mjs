// Where the download path's CPU goes (issue 13, target 1: "profile before changing
// anything"). bench/worker's /profile/:step repeats one step of the path n times inside
// workerd (the gateway's own functions and link class, imported from src/); this reads
// the bench Worker's process CPU time around each call, so the figure is CPU per
// iteration as workerd spends it (GC and SQLite included), and not the wall clock, which
// the machine's other load stretches. Each step is sized to about BENCH_PROFILE_CPU_MS of
// CPU and run three times; the median is kept.
import { randomBytes } from "node:crypto";
import { CONFIG, log, round } from "../lib/config.mjs";
import { cpuMs } from "../lib/procs.mjs";
import { median } from "../lib/stats.mjs";

export const name = "profile";

/** step → [what it is, first n]. The order is the hot path's. */
const STEPS = {
  loop: ["empty loop (harness overhead)", 100_000],
  jws: ["JWS signature (jose compactVerify, HS256)", 200],
  claims: ["claims parsing (JSON.parse + zod schema)", 500],
  verify: ["verifyToken, whole (shape, key, JWS, claims)", 200],
  device: ["device id (SHA-256 of UA + /24)", 200],
  plan: ["planResponse (conditionals, Range)", 1000],
  "rpc-noop": ["DO call that does nothing (round trip)", 100],
  "rpc-echo": ["DO call that returns the admit request it was sent", 100],
  "rpc-read": ["floor: DO call, one-row read", 100],
  "rpc-upsert": ["floor: DO call, one-row upsert + commit", 50],
  "link-snapshot": ["link DO: snapshot() call (read)", 100],
  "link-admit": ["link DO: admit() call (count + outbox + commit)", 50],
  "link-admit-finish": ["link DO: admit() then finish() (a download refunded)", 50],
  "link-first-use": ["link DO: first call on a new object", 20],
  "do-constructor": ["  in object: constructor (schema + wrappers)", 200],
  "do-state": ["  in object: state query", 500],
  "do-decide": ["  in object: decideAccess", 1000],
  "do-count": ["  in object: count (UPDATE + grant + device)", 200],
  "do-event": ["  in object: event (uuid + JSON)", 500],
  "do-outbox": ["  in object: outbox row (JSON + INSERT)", 200],
  "do-admit": ["  in object: admit() body, all of the above", 100],
  "r2-head": ["R2 head (metadata cache miss)", 100],
  "r2-get": ["R2 get, 1 KiB body read", 100],
  "r2-get-onlyif": ["R2 get with onlyIf etag, 1 KiB body read", 100],
  "deliver-1k": ["  the same through deliveryBody (FixedLengthStream, pipe)", 100],
  headers: ["response headers + Response", 500],
  "log-batch": ["batched D1 log, per event (batches of 50)", 200],
  "s64-direct": ["64 MiB read to the end: bare R2 body", 1],
  "s64-fls-one": ["  one R2 read piped into a FixedLengthStream", 1],
  "s64-pieces-v1": ["  pieces before issue 13 (7 R2 reads), piped", 1],
  "s64-pieces": ["  the gateway's pieces (2 R2 reads, the first MiB by JS), piped", 1],
  "s64-pieces-call": ["  pieces + one Durable Object call after", 1],
  "s64-byob": ["  one R2 read, JS copy in 256 KiB reads, counted", 1],
  "s64-one-read": ["  one R2 read, JS to the threshold in 1 MiB reads, then piped", 1],
  "listing-signed": ["listing of 1,000 links, every token signed", 2],
  "listing-cached": ["listing of 1,000 links, tokens remembered", 5],
  "listing-json": ["  its JSON answer (507 KB)", 5],
  "listing-floor-json": ["  the floor's JSON answer, same rows", 5],
};

async function once(server, step, n, run) {
  const before = cpuMs(server.workerPids);
  const t0 = performance.now();
  const res = await fetch(`${server.baseUrl}/profile/${step}?n=${n}&run=${run}`);
  const wall = performance.now() - t0;
  const body = await res.text();
  if (res.status !== 200) throw new Error(`profile ${step}: ${res.status} ${body}`);
  return { cpu: cpuMs(server.workerPids) - before, wall };
}

export async function run({ benchWorker, smallBytes }) {
  const put = await fetch(`${benchWorker.baseUrl}/r2/one-kib`, { method: "PUT", body: smallBytes });
  if (put.status !== 201) throw new Error(`bench Worker PUT answered ${put.status}`);
  const large = await fetch(`${benchWorker.baseUrl}/r2/sixty-four-mib`, {
    method: "PUT",
    body: randomBytes(CONFIG.largeBytes),
  });
  if (large.status !== 201) throw new Error(`bench Worker PUT answered ${large.status}`);
  const steps = {};
  let runId = 0;
  // BENCH_PROFILE_STEPS=a,b profiles only those steps (and skips the 1 KiB breakdown).
  const only = process.env.BENCH_PROFILE_STEPS?.split(",").map((s) => s.trim());
  for (const [step, [label, first]] of Object.entries(STEPS)) {
    if (only && !only.includes(step)) continue;
    // Size n so one call takes about profileCpuMs of CPU (the clock ticks at 10 ms).
    let n = first;
    let probe = await once(benchWorker, step, n, `c${runId++}`);
    while (probe.cpu < 30 && n < 200_000) {
      n *= 10;
      probe = await once(benchWorker, step, n, `c${runId++}`);
    }
    n = Math.max(1, Math.min(1_000_000, Math.round((n * CONFIG.profileCpuMs) / Math.max(probe.cpu, 10))));
    if (step === "link-first-use") n = Math.min(n, 3000);
    const samples = [];
    for (let i = 0; i < 3; i++) samples.push(await once(benchWorker, step, n, `r${runId++}`));
    steps[step] = {
      label,
      n,
      cpuMsPerIteration: round(median(samples.map((s) => s.cpu)) / n, 4),
      wallMsPerIteration: round(median(samples.map((s) => s.wall)) / n, 4),
    };
    log(
      `profile ${step.padEnd(15)} n=${String(n).padStart(7)}  ${steps[step].cpuMsPerIteration} ms CPU, ${steps[step].wallMsPerIteration} ms wall per iteration`,
    );
  }
  if (only) return { steps, breakdown: null };
  const cpu = (step) => steps[step].cpuMsPerIteration;
  // The gateway's per-request work beyond the floor's, by step (ms of CPU).
  const breakdown = {
    jws: cpu("jws"),
    claims: round(Math.max(0, cpu("verify") - cpu("jws")), 4),
    device: cpu("device"),
    plan: cpu("plan"),
    linkCallOverFloorCall: round(cpu("link-admit") - cpu("rpc-upsert"), 4),
    inObjectAdmit: cpu("do-admit"),
    commitAndRpc: round(cpu("link-admit") - cpu("do-admit"), 4),
    headers: cpu("headers"),
    logPerEvent: cpu("log-batch"),
    finishCall: round(cpu("link-admit-finish") - cpu("link-admit"), 4),
    deliveryBody: round(cpu("deliver-1k") - cpu("r2-get-onlyif"), 4),
  };
  return { steps, breakdown };
}

export function report(r) {
  const w = [50, 9, 12, 12];
  const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  const b = r.breakdown;
  const s = (step) => r.steps[step].cpuMsPerIteration;
  return [
    row(["profile (bench Worker, CPU per iteration)", "n", "ms CPU", "ms wall"]),
    ...Object.entries(r.steps).map(([, v]) =>
      row([v.label, v.n, v.cpuMsPerIteration.toFixed(4), v.wallMsPerIteration.toFixed(4)]),
    ),
    ...(b ? breakdownLines(b, s) : []),
  ];
}

function breakdownLines(b, s) {
  const workerSide = b.jws + b.claims + b.device + b.plan + b.headers + b.logPerEvent;
  return [
    `  per counted 1 KiB download, CPU the floor does not spend: Worker side ${workerSide.toFixed(3)} ms ` +
      `(JWS ${b.jws}, claims ${b.claims}, device ${b.device}, plan ${b.plan}, headers ${b.headers}, log ${b.logPerEvent}); ` +
      `link call ${s("link-admit")} ms against the floor's upsert call ${s("rpc-upsert")} ms (+${b.linkCallOverFloorCall}), ` +
      `of which in-object work ${b.inObjectAdmit} ms and RPC + commit ${b.commitAndRpc} ms; finish() call (early aborts only) ${b.finishCall} ms more; deliveryBody ${b.deliveryBody} ms; constructor ${s("do-constructor")} ms once per object`,
  ];
}
