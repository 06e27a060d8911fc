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
