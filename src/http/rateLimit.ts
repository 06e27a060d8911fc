import type { Env } from "../env.ts";
import { clientAddress } from "../policy/clientAddress.ts";
import { HttpError } from "./HttpError.ts";

/**
 * One Workers Rate Limiting check; throws `429 rate_limited` with Retry-After when the key
 * is over its budget. The binding's window is 60 s, so that is the honest wait.
 */
export async function enforceRateLimit(limiter: RateLimit, key: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success)
    throw new HttpError("rate_limited", "Too many requests; please wait a minute.", { "Retry-After": "60" });
}

/**
 * An order's access key is looked up through two doors (the hosted page `/o/<key>` and the
 * seed-002 profile's `?id=`): both spend one budget per client address (LOOKUP_RATE_LIMIT,
 * 20 a minute), so a second door does not double a guesser's tries.
 */
export function enforceAccessKeyLookupLimit(env: Env, request: Request): Promise<void> {
  return enforceRateLimit(env.LOOKUP_RATE_LIMIT, `access-key:${clientAddress(request.headers) ?? "unknown"}`);
}
