import { and, desc, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { webhookSecrets } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { decryptSecret, encryptSecret } from "../tenants/secretBox.ts";
import { randomToken } from "../utils/encoding.ts";
import { nowSeconds } from "../utils/time.ts";
import { newWebhookSecret } from "./signWebhook.ts";

/**
 * Every secret a tenant's webhooks are signed with right now, newest first: the current
 * one and any rotated one still in its grace period. Empty when the tenant never made one.
 */
export async function webhookSigningSecrets(env: Env, tenantId: string): Promise<string[]> {
  const rows = await drizzle(env.DB)
    .select({ secretEnc: webhookSecrets.secretEnc })
    .from(webhookSecrets)
    .where(
      and(
        eq(webhookSecrets.tenantId, tenantId),
        or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, nowSeconds())),
      ),
    )
    .orderBy(desc(webhookSecrets.createdAt), desc(sql`rowid`));
  const decoder = new TextDecoder();
  return Promise.all(rows.map(async (row) => decoder.decode(await decryptSecret(env.MASTER_KEY, row.secretEnc))));
}

export interface RotatedSecret {
  secret: string;
  createdAt: number;
  /** Until when (Unix seconds) the replaced secrets still sign; null when there was none. */
  previousValidUntil: number | null;
}

/**
 * A new current secret. The one it replaces keeps signing for `graceSeconds` (0 = stops at
 * once): each delivery then carries both signatures, so a store can deploy the new secret
 * while the old one still verifies. An older secret still in an earlier grace period gets
 * no longer than the new one (so `0` after a leak cuts every old secret off); secrets past
 * their grace are deleted.
 */
export async function rotateWebhookSecret(env: Env, tenantId: string, graceSeconds: number): Promise<RotatedSecret> {
  const db = drizzle(env.DB);
  const now = nowSeconds();
  const secret = newWebhookSecret();
  const secretEnc = await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(secret));
  const [retired] = await db.batch([
    db
      .update(webhookSecrets)
      .set({ expiresAt: now + graceSeconds })
      .where(
        and(
          eq(webhookSecrets.tenantId, tenantId),
          or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, now + graceSeconds)),
        ),
      )
      .returning({ id: webhookSecrets.id }),
    db.delete(webhookSecrets).where(and(eq(webhookSecrets.tenantId, tenantId), lte(webhookSecrets.expiresAt, now))),
    db.insert(webhookSecrets).values({ tenantId, id: `whs_${randomToken(9)}`, secretEnc, createdAt: now }),
  ]);
  return { secret, createdAt: now, previousValidUntil: retired.length > 0 ? now + graceSeconds : null };
}
