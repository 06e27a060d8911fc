/**
 * Typed view of `scripts/lib/localGateway.mjs` for the Node-side e2e test. The script is
 * plain JavaScript without declarations (tsc does not check .mjs here), so it is loaded by
 * URL and given the types below.
 */
import type { ChildProcess } from "node:child_process";

/** The local D1 and R2 bindings `withLocalBindings` hands to its callback. */
export interface LocalBindings {
  DB: D1Database;
  FILES: R2Bucket;
}

export interface LocalGateway {
  child: ChildProcess;
  baseUrl: string;
  /** Sends SIGTERM to wrangler's process group; does not wait. */
  stop(): void;
  output(): string;
}

interface LocalGatewayModule {
  ensureDevVars(path?: string): string;
  applyMigrations(options?: { persistTo?: string }): void;
  withLocalBindings<T>(fn: (env: LocalBindings) => Promise<T>, options?: { persistTo?: string }): Promise<T>;
  upsertTenant(
    env: LocalBindings,
    masterKey: string,
    tenant: {
      id: string;
      name: string;
      hosts?: string[];
      settings?: Record<string, unknown>;
      keys?: { kid: string; secret: string }[];
      originUrl?: string | null;
    },
  ): Promise<void>;
  upsertAdminKey(env: LocalBindings, key: { tenant: string; key: string; name?: string }): Promise<void>;
  putLocalFile(
    env: LocalBindings,
    file: { tenant: string; fileId: string; body: Uint8Array | string; filename?: string; contentType?: string },
  ): Promise<void>;
  startWranglerDev(options?: {
    port?: number;
    persistTo?: string;
    vars?: Record<string, string>;
    inheritOutput?: boolean;
  }): Promise<LocalGateway>;
}

const lib = (await import(new URL("../../scripts/lib/localGateway.mjs", import.meta.url).href)) as LocalGatewayModule;

export const {
  ensureDevVars,
  applyMigrations,
  withLocalBindings,
  upsertTenant,
  upsertAdminKey,
  putLocalFile,
  startWranglerDev,
} = lib;
