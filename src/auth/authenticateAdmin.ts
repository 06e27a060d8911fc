import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { adminKeys } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { secretsEqual } from "../utils/secretsEqual.ts";
import { adminKeyHash, bearerToken } from "./adminKey.ts";

const KEY_SHAPE = /^dlgk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

/**
 * The tenant whose admin key the request carries. The key is looked up by its hash, so
 * the comparison happens inside the index lookup on a value the caller cannot steer.
 */
export async function authenticateAdmin(request: Request, env: Env): Promise<string> {
  const key = bearerToken(request);
  if (key === null) throw new HttpError("auth_required", "Send an admin API key as `Authorization: Bearer <key>`.");
  if (!KEY_SHAPE.test(key)) throw new HttpError("auth_required", "That is not a dlgate admin API key.");
  const [row] = await drizzle(env.DB)
    .select({ tenantId: adminKeys.tenantId })
    .from(adminKeys)
    .where(and(eq(adminKeys.hash, await adminKeyHash(key)), isNull(adminKeys.revokedAt)))
    .limit(1);
  if (!row) throw new HttpError("auth_required", "Unknown or revoked admin API key.");
  return row.tenantId;
}

/** The operator scope: the OPERATOR_SECRET Worker secret, compared in constant time. */
export async function authenticateOperator(request: Request, env: Env): Promise<void> {
  const presented = bearerToken(request);
  if (!env.OPERATOR_SECRET) throw new HttpError("forbidden", "The operator API is disabled (no OPERATOR_SECRET).");
  if (presented === null)
    throw new HttpError("auth_required", "Send the operator secret as `Authorization: Bearer <secret>`.");
  if (!(await secretsEqual(presented, env.OPERATOR_SECRET))) {
    throw new HttpError("forbidden", "Wrong operator secret.");
  }
}
