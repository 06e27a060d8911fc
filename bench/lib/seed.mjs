// Fresh local state for both Workers: D1 migrations, the bench tenant (host 127.0.0.1,
// HS256 link key, customer sign-in), its admin key and customer secret, the 1 KiB and
// 64 MiB files in the gateway's local R2; and the bench Worker's own D1.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { signDownloadToken } from "../../src/sdk/sign.ts";
import {
  ensureDevVars,
  putLocalFile,
  setCustomerSecret,
  upsertAdminKey,
  upsertTenant,
  withLocalBindings,
} from "../../scripts/lib/localGateway.ts";
import { CONFIG, HOST, OUT, TENANT, log } from "./config.mjs";
import { BENCH_WORKER_CONFIG, wranglerSync } from "./wrangler.mjs";

export const STATE = join(OUT, "state");
export const BENCH_WORKER_STATE = join(OUT, "bench-worker-state");
export const KEY = { kid: "bench", secret: randomBytes(32).toString("base64url") };
export const ADMIN_KEY = "dlgk_be4c0000_bench-admin-key-000000000000000000000000000";
const CUSTOMER_SECRET = "bench-customer-secret-0123456789";
export const FILES = {
  small: { fileId: "one-kib", filename: "one-kib.bin" },
  large: { fileId: "sixty-four-mib", filename: "sixty-four-mib.bin" },
};

/** Seeds both state directories (wiped first) and returns the bytes of the 1 KiB file. */
export async function seedState() {
  log(`fresh state in ${STATE} and ${BENCH_WORKER_STATE}`);
  for (const dir of [STATE, BENCH_WORKER_STATE]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const masterKey = ensureDevVars();
  wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);
  wranglerSync([
    "d1",
    "migrations",
    "apply",
    "DB",
    "--local",
    "--config",
    BENCH_WORKER_CONFIG,
    "--persist-to",
    BENCH_WORKER_STATE,
  ]);
  const small = randomBytes(CONFIG.smallBytes);
  log("seeding tenant, admin key, customer secret, 1 KiB and 64 MiB files");
  await withLocalBindings(
    async (env) => {
      await upsertTenant(env, masterKey, {
        id: TENANT,
        name: "Bench Store",
        hosts: [HOST],
        settings: { customer_auth: { mode: "jwt" } },
        keys: [KEY],
      });
      await upsertAdminKey(env, { tenant: TENANT, key: ADMIN_KEY });
      await setCustomerSecret(env, masterKey, { tenant: TENANT, secret: CUSTOMER_SECRET });
      const type = "application/octet-stream";
      await putLocalFile(env, { tenant: TENANT, ...FILES.small, body: small, contentType: type });
      await putLocalFile(env, {
        tenant: TENANT,
        ...FILES.large,
        body: randomBytes(CONFIG.largeBytes),
        contentType: type,
      });
    },
    { persistTo: STATE },
  );
  return { small };
}

/** A download path for an unlimited link (no `lim`), valid for a day. */
export async function signedPath(link, fileId) {
  return `/downloads/${await signDownloadToken({ tenant: TENANT, link, file: fileId, expires: "1d" }, KEY)}`;
}

/** A customer's sign-in token for the listings, as the store would issue it. */
export function customerToken(customer) {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(customer)
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(CUSTOMER_SECRET));
}

export const adminHeaders = { Authorization: `Bearer ${ADMIN_KEY}` };
