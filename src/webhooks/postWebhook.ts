import { fetchWithDeadlines, OriginTimeoutError } from "../http/fetchWithDeadlines.ts";
import { nowSeconds } from "../utils/time.ts";
import { webhookHeaders } from "./signWebhook.ts";
import type { WebhookMessage } from "./webhookMessage.ts";

/** How long a receiver may take to answer one attempt (Standard Webhooks suggests a short timeout). */
export const DELIVERY_TIMEOUT_MS = 15_000;

export interface AttemptResult {
  ok: boolean;
  /** The receiver's HTTP status, or null when it never answered. */
  status: number | null;
  /** Why the attempt failed, for the dead-letter list; null on success. */
  error: string | null;
}

/**
 * One signed attempt: POST the message's body to `url`, signed with every secret in force
 * and this attempt's timestamp. Success is a 2xx answer; redirects are not followed (a
 * receiver that moved must be reconfigured, not silently forwarded signed events).
 * Never throws.
 */
export async function postWebhook(
  url: string,
  secrets: readonly string[],
  message: Pick<WebhookMessage, "webhook_id" | "body">,
): Promise<AttemptResult> {
  if (secrets.length === 0)
    return { ok: false, status: null, error: "the tenant has no webhook secret yet (POST /admin/v1/webhooks/secret)" };
  const headers = await webhookHeaders(secrets, message.webhook_id, nowSeconds(), message.body);
  try {
    const { response } = await fetchWithDeadlines(
      url,
      {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json", "User-Agent": "dlgate-webhooks/1" },
        body: message.body,
        redirect: "manual",
      },
      { headersMs: DELIVERY_TIMEOUT_MS, stallMs: DELIVERY_TIMEOUT_MS },
    );
    // Only the status matters; the receiver's body is not read.
    await response.body?.cancel().catch(() => {});
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, error: ok ? null : `the receiver answered ${response.status}` };
  } catch (error) {
    return {
      ok: false,
      status: null,
      error:
        error instanceof OriginTimeoutError
          ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
          : `could not reach the receiver: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
