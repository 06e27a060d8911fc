/**
 * A throwaway local gateway for the Node-side end-to-end tests: `wrangler dev` on a free
 * port with its own state directory and its own secrets (passed as `--var`, so the tests
 * never read or race on the repository's `.dev.vars`). `stop()` ends it and removes the state.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyMigrations, startWranglerDev } from "../../scripts/lib/localGateway.ts";

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface TestGateway {
  port: number;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  operatorSecret: string;
  /** The state directory (D1, R2, Durable Objects) of this gateway. */
  state: string;
  stop(): Promise<void>;
}

export async function startTestGateway(
  name: string,
  secrets: { masterKey?: string; operatorSecret?: string; vars?: Record<string, string> } = {},
): Promise<TestGateway> {
  const state = mkdtempSync(join(tmpdir(), `dlgate-${name}-`));
  const persistTo = join(state, "wrangler-state");
  applyMigrations({ persistTo });
  const operatorSecret = secrets.operatorSecret ?? `operator-${randomBytes(12).toString("hex")}`;
  const port = await freePort();
  const gateway = await startWranglerDev({
    port,
    persistTo,
    vars: {
      ...secrets.vars,
      MASTER_KEY: secrets.masterKey ?? randomBytes(32).toString("base64"),
      OPERATOR_SECRET: operatorSecret,
    },
  });
  const onExit = () => killGroup(gateway.child, "SIGKILL");
  process.once("exit", onExit);
  return {
    port,
    baseUrl: gateway.baseUrl,
    operatorSecret,
    state,
    async stop() {
      process.off("exit", onExit);
      await stopChild(gateway.child);
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** SIGTERM the process group, SIGKILL it if it is still there after a few seconds. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(child, "SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5_000));
  if ((await Promise.race([exited, timer])) === "timeout") killGroup(child, "SIGKILL");
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
