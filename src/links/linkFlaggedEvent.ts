import type { WebhookEvent } from "../webhooks/webhookEvents.ts";
import type { LinkFlag } from "./sharingWatch.ts";

/**
 * The webhook event `link.flagged` for the one request that took a link past its tenant's
 * `sharing` bounds (flagged, or blocked with action `block`). Its key is the link and the
 * moment of the flag, so a link flagged again after the store cleared it is a new event,
 * and a repeated send of the same flag carries the same `webhook-id`. Its `reason` is the
 * link view's (`flagged.reason`): the name of the `sharing` bound that was passed.
 */
export function linkFlaggedEvent(link: { linkId: string; orderNumber: string | null }, flag: LinkFlag): WebhookEvent {
  return {
    type: "link.flagged",
    key: `${link.linkId}:${flag.at}`,
    at: flag.at,
    data: {
      link_id: link.linkId,
      order_number: link.orderNumber,
      reason: flag.reason,
      networks: flag.networks,
      countries: flag.countries,
      action: flag.action,
      at: new Date(flag.at).toISOString(),
    },
  };
}
