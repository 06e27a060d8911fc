import type { LinkFlag } from "./sharingWatch.ts";

/**
 * The webhook event `link.flagged` (issue 12 item 2; Standard Webhooks payload shape
 * `{type, timestamp, data}`) for a link that sharing detection flagged or blocked. The
 * link's Durable Object builds it on the one request that flags the link (DownloadLink's
 * `sharingFlagged`); handing it to the webhook queue is wired where the webhook sender
 * lands (the lead, at merge).
 */
export function linkFlaggedEvent(
  link: { tenantId: string; linkId: string; fileId: string; orderNumber: string | null },
  flag: LinkFlag,
) {
  return {
    type: "link.flagged" as const,
    timestamp: new Date(flag.at).toISOString(),
    data: {
      tenant_id: link.tenantId,
      link_id: link.linkId,
      file_id: link.fileId,
      order_number: link.orderNumber,
      reason: flag.reason,
      networks: flag.networks,
      countries: flag.countries,
      action: flag.action,
      blocked: flag.action === "block",
    },
  };
}
