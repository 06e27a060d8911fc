// The Workers under test: a frozen snapshot of the repo's Worker (and of the bench's own
// Worker), each run by its own `wrangler dev` in its own process group, stopped for sure.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { HOST, ROOT, log, sleep } from "./config.mjs";
import { workerdDescendants, workerdRoles } from "./procs.mjs";

// Outside the repo, so tsc/vitest/prettier never see the copy of src/ while a run is on.
export const APP = join(mkdtempSync(join(os.tmpdir(), "dlgate-bench-")), "app");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
/** The bench Worker's config inside the snapshot. */
export const BENCH_WORKER_CONFIG = join("bench", "worker", "wrangler.toml");

const running = new Set();
let stopping = false;
export const isStopping = () => stopping;

/**
 * A frozen copy of the Workers, taken once at the start. `wrangler dev` rebuilds and
 * restarts workerd whenever a watched source file changes; run from the working tree,
 * an edit elsewhere in the repo mid-benchmark would restart the process being measured
 * and mix two versions of the code into one result.
 */
export function snapshotWorker() {
  mkdirSync(APP, { recursive: true });
  for (const entry of ["src", "migrations", "wrangler.toml", "package.json", "tsconfig.json", ".dev.vars"]) {
    cpSync(join(ROOT, entry), join(APP, entry), { recursive: true });
  }
  cpSync(join(ROOT, "bench", "worker"), join(APP, "bench", "worker"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(APP, "node_modules"), "dir");
  const git = (...args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout?.trim() ?? "";
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    uncommittedSrcFiles: git("status", "--porcelain", "--", "src", "bench/worker").split("\n").filter(Boolean).length,
  };
}

/** A wrangler command on the snapshot (migrations), failing loudly. */
export function wranglerSync(args) {
  const result = spawnSync(WRANGLER, args, {
    cwd: APP,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * `wrangler dev` on the snapshot, in its own process group; resolves once `probe`
 * answers. Returns the server: its URL, its workerd processes (proxy and Worker), the
 * Worker process's pids (whose CPU the bench reads) and `stop()`.
 */
export async function startDev({ name, port, persistTo, config = null, vars = {}, probe = "/healthz" }) {
  const args = ["dev", "--ip", HOST, "--port", String(port), "--log-level", "error", "--persist-to", persistTo];
  if (config) args.push("--config", config);
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  args.push("--inspector-port", String(port + 1000));
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
  const server = { name, child, procs: [], workerPids: [], baseUrl: `http://${HOST}:${port}` };
  server.stop = () => stopServer(server);
  running.add(server);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name}: wrangler dev exited early (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${server.baseUrl}${probe}`)).status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name}: wrangler dev did not answer within 120 s:\n${output}`);
    await sleep(250);
  }
  let found = [];
  for (let i = 0; i < 20 && found.length === 0; i++) {
    found = workerdDescendants(child.pid);
    if (found.length === 0) await sleep(250);
  }
  if (found.length === 0) throw new Error(`${name}: no workerd process found under wrangler dev`);
  server.procs = workerdRoles(found, `${HOST}:${port}`);
  // CPU per request is read from the process that runs the Worker (the proxy's cost is
  // the same for every route it forwards).
  server.workerPids = server.procs.filter((p) => p.role === "worker").map((p) => p.pid);
  log(`${name}: ${server.baseUrl}, workerd ${server.procs.map((p) => `${p.role} ${p.pid}`).join(", ")}`);
  return server;
}

function killGroup(server, signal) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopServer(server) {
  if (!running.has(server)) return;
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(server, "SIGTERM");
    const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) {
      killGroup(server, "SIGKILL");
      await Promise.race([exited, sleep(2000)]);
    }
  }
  // workerd must not outlive the run, even if it escaped the process group.
  for (const { pid } of server.procs) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
  running.delete(server);
}

export async function stopAll() {
  for (const server of [...running]) await stopServer(server);
  rmSync(dirname(APP), { recursive: true, force: true });
}

process.on("exit", () => {
  for (const server of running) killGroup(server, "SIGKILL");
  rmSync(dirname(APP), { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    log(`${signal}: stopping wrangler dev`);
    stopAll().finally(() => process.exit(130));
  });
}
