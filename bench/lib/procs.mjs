// What the bench reads from /proc: the workerd processes under a `wrangler dev`, their
// CPU time and their resident memory.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { clearInterval, setInterval } from "node:timers";

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** pid → { ppid, comm, cpuTicks } from /proc/<pid>/stat. */
function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text
      .slice(close + 2)
      .trim()
      .split(" ");
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), comm, cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** The workerd processes descending from `rootPid` (wrangler → workerd), by a ppid walk. */
export function workerdDescendants(rootPid) {
  const children = new Map();
  const comms = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (!stat) continue;
    const pid = Number(entry);
    comms.set(pid, stat.comm);
    if (!children.has(stat.ppid)) children.set(stat.ppid, []);
    children.get(stat.ppid).push(pid);
  }
  const found = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of children.get(pid) ?? []) {
      if ((comms.get(child) ?? "").includes("workerd")) found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * wrangler dev runs two workerd processes: its proxy (ProxyWorker, listening on the dev
 * port, forwarding every request and body) and the one running the Worker itself.
 */
export function workerdRoles(pids, entry) {
  return pids.map((pid) => {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      // gone
    }
    const proxy = pids.length > 1 && cmdline.includes(`entry=${entry}`);
    return { pid, role: proxy ? "proxy" : "worker" };
  });
}

export function rssKiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU time of `pids`, in ms (resolution 1000 / CLK_TCK, 10 ms here). */
export const cpuMs = (pids) => (pids.reduce((sum, pid) => sum + (readStat(pid)?.cpuTicks ?? 0), 0) * 1000) / CLK_TCK;

/**
 * Samples VmRSS of every given process every 20 ms and keeps, per phase label
 * ("gateway", "baseline", "idle", …), the peak of each process and of their sum.
 */
export function startRssSampler(procs) {
  const state = { phase: "idle", peaks: new Map(), last: {} };
  const bump = (key, kib) => state.peaks.set(key, Math.max(state.peaks.get(key) ?? 0, kib));
  const sample = () => {
    const now = { all: 0 };
    for (const { pid } of procs) {
      now[pid] = rssKiB(pid);
      now.all += now[pid];
      bump(`${state.phase}|${pid}`, now[pid]);
    }
    bump(`${state.phase}|all`, now.all);
    state.last = now;
  };
  sample();
  const timer = setInterval(sample, 20);
  timer.unref();
  state.stop = () => clearInterval(timer);
  state.sampleNow = () => {
    sample();
    return state.last;
  };
  state.peak = (phase, key) => state.peaks.get(`${phase}|${key}`) ?? 0;
  return state;
}
