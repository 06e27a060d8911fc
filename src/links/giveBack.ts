import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import type { AdmitResult } from "./linkTypes.ts";
import { logDownloadEvent } from "./downloadLogBatch.ts";
import type { linkStub } from "./linkStub.ts";

/** An R2 read started alongside the count, no longer wanted: its body is cancelled unread. */
export function cancelBody(object: R2ObjectBody | R2Object | null): void {
  if (object && "body" in object) void object.body.cancel();
}

/** Gives the count back and logs the request as the error it turned into (same event id). */
export async function giveBack(
  env: Env,
  ctx: ExecutionContext,
  link: ReturnType<typeof linkStub>,
  decision: AdmitResult & { ok: true },
  status: number,
  error: string,
): Promise<void> {
  if (decision.grantId === null) return;
  const event = { ...decision.event, status, bytes: 0, bytesSent: 0, counted: false, reason: null, error };
  const state = await link.refund(decision.grantId, event);
  const mirror = decision.mirror && { ...decision.mirror, state };
  logDownloadEvent(ctx, env, { event, mirror });
}

/**
 * A counted download failed before its Response existed: the body read is cancelled and
 * the count given back, logged as the error the client gets. A failing refund (the link's
 * Durable Object down too) is logged; the original error is what the client sees.
 */
export async function giveBackAfterFailure(
  env: Env,
  ctx: ExecutionContext,
  link: ReturnType<typeof linkStub>,
  decision: AdmitResult & { ok: true },
  bodyRead: Promise<R2ObjectBody | R2Object | null>,
  error: unknown,
): Promise<void> {
  void bodyRead.then((o) => cancelBody(o)).catch(() => {});
  const [status, code] = error instanceof HttpError ? [error.status, error.code] : [503, "unavailable"];
  try {
    await giveBack(env, ctx, link, decision, status, code);
  } catch (refundError) {
    console.error("could not give a failed download back", refundError);
  }
}
