import type { Env } from "../env.ts";
import { continuesDownload } from "../files/parseRange.ts";
import { prefersHtml } from "../http/prefersHtml.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import type { Claims } from "../token/claims.ts";
import { CONFIRM_PARAM, verifyConfirmation, type ConfirmationFailure } from "./confirmation.ts";
import { previewAgent } from "./previewAgents.ts";
import { isScannerRequest } from "./scannerNetworks.ts";

/**
 * What the scanner layers (docs/CONTRACT.md §6 rule 4a) make of a request for a verified link,
 * before anything is counted:
 * - `preview`: a link-preview agent, answered with a card;
 * - `confirmation`: a browser navigation on a link that asks for confirmation, answered
 *   with the page and its Download button;
 * - `refused`: a Download button's request that does not hold up (no or another cookie,
 *   altered, expired), answered 400 and never counted;
 * - `download`: everything else, served by the counting rules; `scannerPasses` is set when
 *   the request looks like a mail scanner, so the link may serve it uncounted.
 */
export type Screening =
  | { kind: "preview"; agent: string }
  | { kind: "confirmation" }
  | { kind: "refused"; reason: ConfirmationFailure }
  | { kind: "download"; scannerPasses: number | undefined };

export async function screenRequest(
  request: Request,
  env: Env,
  tenant: Tenant,
  claims: Claims,
  token: string,
  clientIp: string | null,
): Promise<Screening> {
  const userAgent = request.headers.get("User-Agent");
  const agent = previewAgent(userAgent);
  if (agent !== null) return { kind: "preview", agent };

  if ((claims.cfm ?? false) || tenant.settings.confirm_downloads === "browsers") {
    const param = new URL(request.url).searchParams.get(CONFIRM_PARAM);
    // A range past byte 0 continues a download (a browser resuming the button's URL, maybe
    // hours later, after the button and its cookie expired): rule 3 decides it, as for any
    // client. Only a request that would start a download needs the confirmation.
    if (!continuesDownload(request.headers.get("Range"))) {
      if (param !== null) {
        const verdict = await verifyConfirmation(env.MASTER_KEY, token, param, request.headers.get("Cookie"));
        if (!verdict.ok) return { kind: "refused", reason: verdict.reason };
      } else if (prefersHtml(request.headers.get("Accept"))) {
        // GET and HEAD alike: a HEAD answers the page's headers, as it answers what GET would.
        return { kind: "confirmation" };
      }
    }
  }

  const scanner = isScannerRequest(clientIp, userAgent, tenant.settings.scanner_networks);
  return { kind: "download", scannerPasses: scanner ? tenant.settings.scanner_passes : undefined };
}
