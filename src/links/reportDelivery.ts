import type { Env } from "../env.ts";
import type { Delivery } from "../files/deliveryBody.ts";
import type { AdmitResult } from "./linkTypes.ts";
import { logDownloadEvent } from "./downloadLogBatch.ts";
import type { linkStub } from "./linkStub.ts";

/**
 * Tells the link how an admitted response body ended (docs/CONTRACT.md §6 rules 4 and 7): its
 * Durable Object rewrites the request's event with the bytes written and the outcome, and
 * gives the download back when the client left before `refundFraction` of the response
 * was written. The final version of the event then goes to D1 like the first.
 *
 * Runs in `ctx.waitUntil`, after the response. If the link cannot be reached, the count
 * stays taken (the safe side for the store) and the outbox keeps the first version.
 */
export async function reportDelivery(
  env: Env,
  ctx: ExecutionContext,
  link: ReturnType<typeof linkStub>,
  decision: AdmitResult & { ok: true },
  responseBytes: number,
  refundFraction: number,
  delivery: Delivery,
): Promise<void> {
  try {
    const finished = await link.finish({
      event: decision.event,
      grantId: decision.grantId,
      ...delivery,
      refundBelowBytes: refundFraction * responseBytes,
    });
    logDownloadEvent(ctx, env.DB, { event: finished.event, mirror: finished.mirror });
  } catch (error) {
    console.error(`download ${decision.event.id}: could not report how its body ended`, error);
  }
}
