import type { HttpError } from "../http/HttpError.ts";
import { prefersHtml } from "../http/prefersHtml.ts";
import type { linkStub } from "../links/linkStub.ts";
import { withFacts } from "../pages/errorFacts.ts";
import { effectiveLimit } from "../policy/decideAccess.ts";
import type { Claims } from "../token/claims.ts";

/**
 * For a customer's page only: a `limit_reached` refusal learns how many downloads were
 * used ("You have used 3 of 3 downloads"), a `suspended` one why (its order is under
 * review, or the link was blocked for sharing). One extra read of the link, on the refusal
 * path of a browser navigation; a program asking for JSON never pays for it. A count
 * above a limit the store lowered later reads as the limit (all of them used).
 */
export async function explainRefusal(
  error: HttpError,
  request: Request,
  link: ReturnType<typeof linkStub>,
  claims: Claims,
): Promise<HttpError> {
  const explained = error.code === "limit_reached" || error.code === "suspended";
  if (!explained || !prefersHtml(request.headers.get("Accept"))) return error;
  try {
    const state = await link.snapshot();
    if (error.code === "suspended") {
      // A block the store set by hand gets the general text: it may have its own reasons.
      const suspension = state.held ? "order_held" : state.flagged?.action === "block" ? "sharing" : null;
      if (suspension) withFacts(error, { suspension });
      return error;
    }
    const limit = effectiveLimit(claims, state);
    if (limit !== null) withFacts(error, { used: { count: Math.min(state.count, limit), limit } });
  } catch (cause) {
    // The page then says it without the numbers.
    console.error("link snapshot for the error page failed", cause);
  }
  return error;
}
