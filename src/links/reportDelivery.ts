import type { Env } from "../env.ts";
import type { Delivery } from "../files/deliveryBody.ts";
import { effectiveLimit } from "../policy/decideAccess.ts";
import type { Claims } from "../token/claims.ts";
import type { LinkExhaustion } from "../webhooks/downloadWebhooks.ts";
import type { AdmitResult, DeliveryReport, FinishResult } from "./linkTypes.ts";
import { finalEvent, mayRefund } from "./deliveryOutcome.ts";
import { logDownloadEvent } from "./downloadLogBatch.ts";
import type { linkStub } from "./linkStub.ts";

/**
 * How an admitted response body ended (docs/CONTRACT.md §6 rules 4 and 7). Runs in
 * `ctx.waitUntil`, after the response.
 *
 * Only a counted download that ended early (`mayRefund`: the client left before
 * `refundFraction` of the response was written, or the source failed) goes back to its
 * Durable Object, which gives the download back unless a resume relied on it and rewrites
 * the event. Every other ending changes no count, so it costs no second call to the link:
 * the event's final version (bytes written, outcome) goes to D1 with the batched log, and
 * if that write fails the batch hands it to the link's outbox then (`keepFinalEvent`).
 * If the link cannot be reached, the count stays taken (the safe side for the store) and
 * the outbox keeps the first version. A counted download that took the link's last
 * download and kept it is marked for the `link.exhausted` webhook (`claims`: the limit in
 * force is the token's or the store's).
 */
export async function reportDelivery(
  env: Env,
  ctx: ExecutionContext,
  link: ReturnType<typeof linkStub>,
  decision: AdmitResult & { ok: true },
  /** The response's and the file's lengths, and the end of the body's first piece. */
  sizes: { response: number; file: number; firstPiece: number },
  refundFraction: number,
  delivery: Delivery,
  claims: Claims,
): Promise<void> {
  const report: DeliveryReport = {
    event: decision.event,
    grantId: decision.grantId,
    ...delivery,
    refundBelowBytes: refundFraction * sizes.response,
    refundChargeBytes: sizes.firstPiece,
    refundBudgetBytes: refundFraction * sizes.file,
  };
  const refundable = mayRefund(report);
  let final: Pick<FinishResult, "event" | "mirror">;
  if (refundable) {
    try {
      final = await link.finish(report);
    } catch (error) {
      console.error(`download ${decision.event.id}: could not report how its body ended`, error);
      return;
    }
  } else {
    final = { event: finalEvent(report, false), mirror: null };
  }
  logDownloadEvent(ctx, env, {
    event: final.event,
    mirror: final.mirror,
    exhausted: final.event.counted ? exhaustion(decision, claims) : undefined,
    // Only a possible refund's final version went to the link's outbox.
    linkLacksFinal: !refundable,
  });
}

/** The count and limit after the download `decision` took, when that used the link up. */
function exhaustion(decision: AdmitResult & { ok: true }, claims: Claims): LinkExhaustion | undefined {
  const state = decision.mirror?.state;
  const limit = state ? effectiveLimit(claims, state) : null;
  return state && limit !== null && state.count >= limit
    ? { downloadCount: state.count, downloadLimit: limit }
    : undefined;
}
