// Helpers shared by `npm start`, the benchmark and the end-to-end tests: apply the D1
// migrations to a local state directory, seed tenants and files into it through
// wrangler's platform proxy (the same local D1/R2 that `wrangler dev` uses), and run
// `wrangler dev` on it. TypeScript that Node runs as is (type stripping, Node 22.18+), so
// the tests import these functions and their types straight from here.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy } from "wrangler";
import type { z } from "zod";
import { encryptSecret } from "../../src/tenants/secretBox.ts";
import type { tenantSettingsSchema } from "../../src/tenants/tenantSettings.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

/** The local operator secret (documented in the README); production sets its own with `wrangler secret put`. */
export const LOCAL_OPERATOR_SECRET = "dlgate-local-operator-secret";

/**
 * Reads .dev.vars (wrangler dev's local secrets), adding what is missing: a random
 * MASTER_KEY the first time (kept afterwards, since it encrypts the local signing
 * secrets) and the documented local OPERATOR_SECRET. Returns the MASTER_KEY.
 */
export function ensureDevVars(path = join(ROOT, ".dev.vars")): string {
  let text = existsSync(path) ? readFileSync(path, "utf8") : "# Local secrets for wrangler dev (never committed).\n";
  let key = /^MASTER_KEY\s*=\s*"?([A-Za-z0-9+/=]+)"?\s*$/m.exec(text)?.[1];
  if (!key) {
    key = randomBytes(32).toString("base64");
    text += `MASTER_KEY="${key}"\n`;
  }
  if (!/^OPERATOR_SECRET\s*=/m.test(text)) text += `OPERATOR_SECRET="${LOCAL_OPERATOR_SECRET}"\n`;
  writeFileSync(path, text);
  return key;
}

/** Where the local D1, R2 and Durable Object state lives; default `.wrangler/state`. */
export interface StateOptions {
  persistTo?: string;
}

function persistArgs(persistTo: string | undefined): string[] {
  return persistTo ? ["--persist-to", persistTo] : [];
}

/** `wrangler d1 migrations apply DB --local`: the same SQL files the tests apply. */
export function applyMigrations({ persistTo }: StateOptions = {}): void {
  const result = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", ...persistArgs(persistTo)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true" },
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`D1 migrations failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** The local D1 and R2 bindings `withLocalBindings` hands to its callback. */
export interface LocalBindings {
  DB: D1Database;
  FILES: R2Bucket;
}

/** Runs `fn(env)` with local D1 and R2 bindings on the given state directory. */
export async function withLocalBindings<T>(
  fn: (env: LocalBindings) => Promise<T>,
  { persistTo }: StateOptions = {},
): Promise<T> {
  // Only D1 and R2 are needed to seed, and the Durable Object class lives in the Worker
  // the proxy does not run; a config without it keeps wrangler from warning about that.
  const configPath = join(ROOT, ".wrangler", "seed.wrangler.json");
  mkdirSync(dirname(configPath), { recursive: true });
  writeFileSync(
    configPath,
    JSON.stringify({
      name: "dlgate-seed",
      compatibility_date: "2026-11-01",
      d1_databases: [{ binding: "DB", database_name: "dlgate", database_id: "00000000-0000-0000-0000-000000000000" }],
      r2_buckets: [{ binding: "FILES", bucket_name: "dlgate-files" }],
    }),
  );
  const proxy = await getPlatformProxy<LocalBindings>({
    configPath,
    persist: { path: join(persistTo ?? join(ROOT, ".wrangler", "state"), "v3") },
  });
  try {
    return await fn(proxy.env);
  } finally {
    await proxy.dispose();
  }
}

export interface LocalTenant {
  id: string;
  name: string;
  hosts?: string[];
  /** Stored as JSON in `tenants.settings`; what the operator API would accept. */
  settings?: z.input<typeof tenantSettingsSchema>;
  /** HS256 signing keys, each stored encrypted with MASTER_KEY. */
  keys?: { kid: string; secret: string }[];
  /** The tenant's origin for the proxy (unmatched paths); null for none. */
  originUrl?: string | null;
}

/**
 * Creates or refreshes a tenant with HS256 keys. Upserts, so re-running is safe and
 * re-encrypts the secret with the current MASTER_KEY.
 */
export async function upsertTenant(
  env: LocalBindings,
  masterKey: string,
  { id, name, hosts = [], settings = {}, keys = [], originUrl = null }: LocalTenant,
): Promise<void> {
  const statements = [
    env.DB.prepare(
      "INSERT INTO tenants (id, name, settings, origin_url) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, settings = excluded.settings, origin_url = excluded.origin_url",
    ).bind(id, name, JSON.stringify(settings), originUrl),
  ];
  for (const host of hosts) {
    statements.push(
      env.DB.prepare(
        "INSERT INTO tenant_hosts (host, tenant_id) VALUES (?, ?) ON CONFLICT(host) DO UPDATE SET tenant_id = excluded.tenant_id",
      ).bind(host, id),
    );
  }
  for (const { kid, secret } of keys) {
    const box = await encryptSecret(masterKey, new TextEncoder().encode(secret));
    statements.push(
      env.DB.prepare(
        `INSERT INTO signing_keys (tenant_id, kid, alg, secret_enc, status) VALUES (?, ?, 'HS256', ?, 'active')
         ON CONFLICT(tenant_id, kid) DO UPDATE SET alg = 'HS256', secret_enc = excluded.secret_enc, public_jwk = NULL, status = 'active', retired_at = NULL`,
      ).bind(id, kid, box),
    );
  }
  await env.DB.batch(statements);
}

/** Stores an admin API key (only its SHA-256, like the gateway) for a tenant; idempotent. */
export async function upsertAdminKey(
  env: LocalBindings,
  { tenant, key, name = "" }: { tenant: string; key: string; name?: string },
): Promise<void> {
  const id = key.split("_").slice(0, 2).join("_");
  const hash = createHash("sha256").update(key).digest("hex");
  await env.DB.prepare(
    "INSERT INTO admin_keys (id, tenant_id, name, hash) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, revoked_at = NULL",
  )
    .bind(id, tenant, name, hash)
    .run();
}

/** Sets a tenant's HS256 customer-token secret (encrypted with MASTER_KEY, like the gateway does). */
export async function setCustomerSecret(
  env: LocalBindings,
  masterKey: string,
  { tenant, secret }: { tenant: string; secret: string },
): Promise<void> {
  const box = await encryptSecret(masterKey, new TextEncoder().encode(secret));
  await env.DB.prepare("UPDATE tenants SET customer_secret_enc = ? WHERE id = ?").bind(box, tenant).run();
}

/** Puts a file into local R2 under `<tenant>/<fileId>` with its name and type. */
export async function putLocalFile(
  env: LocalBindings,
  {
    tenant,
    fileId,
    body,
    filename,
    contentType,
  }: { tenant: string; fileId: string; body: Uint8Array | string; filename?: string; contentType?: string },
): Promise<void> {
  await env.FILES.put(`${tenant}/${fileId}`, body, {
    httpMetadata: contentType ? { contentType } : undefined,
    customMetadata: filename ? { filename } : undefined,
  });
}

export interface WranglerDevOptions extends StateOptions {
  port?: number;
  /** `--var NAME:value` each (secrets for a throwaway gateway, instead of .dev.vars). */
  vars?: Record<string, string>;
  /** Show wrangler's output (npm start) instead of collecting it (tests). */
  inheritOutput?: boolean;
}

export interface LocalGateway {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** Sends SIGTERM to wrangler's process group; does not wait. */
  stop(): void;
  /** What wrangler printed so far (empty with `inheritOutput`). */
  output(): string;
}

/**
 * Starts `wrangler dev` and resolves once it answers /healthz. Returns the child and
 * its base URL; `stop()` ends it.
 */
export async function startWranglerDev({
  port = 8787,
  persistTo,
  vars = {},
  inheritOutput = false,
}: WranglerDevOptions = {}): Promise<LocalGateway> {
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--log-level",
    inheritOutput ? "info" : "error",
    ...persistArgs(persistTo),
  ];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    stdio: inheritOutput ? ["inherit", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    detached: !inheritOutput,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopChild(child);
      throw new Error(`wrangler dev did not answer within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, baseUrl, stop: () => stopChild(child), output: () => output };
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode !== null || child.pid === undefined) return;
  try {
    // Detached: kill the whole group (wrangler spawns workerd).
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}
