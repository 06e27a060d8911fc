import type { Env } from "../env.ts";
import type { HttpError } from "../http/HttpError.ts";
import { logDownloadEvent } from "./downloadLogBatch.ts";
import type { linkStub } from "./linkStub.ts";
import type { AdmitBase, AdmitRequest } from "./linkTypes.ts";

/**
 * Logs a request the Worker refused itself before the link decided it (docs/CONTRACT.md §6
 * rule 7: every request that reaches a link is recorded): another customer's or no sign-in
 * on an `auth: true` link, a Download button without its page's cookie. Such attempts are
 * what a payment dispute's evidence must show. The refusal stands whatever happens here:
 * if the link cannot be reached, the request is answered as refused and only not logged.
 */
export async function recordRefusal(
  env: Env,
  ctx: ExecutionContext,
  link: ReturnType<typeof linkStub>,
  admitBase: AdmitBase,
  refusal: HttpError,
): Promise<void> {
  const request: AdmitRequest = {
    ...admitBase,
    delivers: false,
    sendsBody: false,
    rangeStart: null,
    plannedStatus: refusal.status,
    plannedBytes: 0,
  };
  try {
    const event = await link.recordRefusal(request, { status: refusal.status, error: refusal.code });
    logDownloadEvent(ctx, env, { event, mirror: null });
  } catch (error) {
    console.warn(`link ${admitBase.link.linkId}: could not log a refused request`, error);
  }
}
