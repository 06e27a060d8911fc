import type { Env } from "../env.ts";
import { presentedName } from "../files/fileHeaders.ts";
import { fileMetadata } from "../files/fileMetadata.ts";
import { SECURITY_HEADERS } from "../http/renderError.ts";
import type { AdmitRequest } from "../links/DownloadLink.ts";
import { logDownloadEvent } from "../links/downloadLogBatch.ts";
import type { linkStub } from "../links/linkStub.ts";
import { humanFileSize } from "../orders/humanFileSize.ts";
import { confirmPage } from "../pages/confirmPage.ts";
import { previewCard } from "../pages/previewCard.ts";
import { refusalError } from "../policy/refusalError.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import type { Claims } from "../token/claims.ts";
import {
  CONFIRM_PARAM,
  CONFIRM_TTL_SECONDS,
  confirmationCookieHeader,
  confirmationCookieValue,
  newConfirmationCookie,
  signConfirmation,
} from "./confirmation.ts";
import type { Screening } from "./screenRequest.ts";

export interface ScreenedRequest {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  tenant: Tenant;
  claims: Claims;
  token: string;
  link: ReturnType<typeof linkStub>;
  /** The link, claims, client and log facts of the request, as the download path builds them. */
  admitBase: Omit<AdmitRequest, "delivers" | "sendsBody" | "rangeStart" | "plannedStatus" | "plannedBytes">;
}

/**
 * Answers a preview agent with its card, or a browser with the confirmation page. The
 * request still goes through the link's `admit`, uncounted and without a body, so it is
 * logged with its reason and a link that would refuse the download (expired, revoked,
 * used up, device limit) answers that error instead of a card or a button.
 */
export async function answerScreened(
  screening: Exclude<Screening, { kind: "download" }>,
  input: ScreenedRequest,
): Promise<Response> {
  const { request, env, ctx, tenant, claims, token, link } = input;
  const decision = await link.admit({
    ...input.admitBase,
    delivers: true,
    sendsBody: false,
    rangeStart: null,
    plannedStatus: 200,
    plannedBytes: 0,
    uncounted: screening.kind === "preview" ? "preview" : "confirmation",
  });
  logDownloadEvent(ctx, env.DB, decision);
  if (!decision.ok) throw refusalError(decision.reason);

  // The name the download would be saved under; a pull-through file not fetched yet has
  // no metadata, and the card is no reason to fetch it.
  const file = await fileMetadata(env.FILES, `${tenant.id}/${claims.fid}`);
  const fileName = file ? presentedName(file, claims.fn, claims.fid) : (claims.fn ?? claims.fid);
  const fileSize = file ? humanFileSize(file.size) : null;
  const storeName = tenant.settings.store_name ?? tenant.name;
  const headers = new Headers({
    ...SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "X-Robots-Tag": "noindex, nofollow",
    // The page has inline styles only; nobody may frame the button (clickjacking).
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });

  let html: string;
  if (screening.kind === "preview") {
    html = previewCard({ fileName, storeName, fileSize });
  } else {
    const url = new URL(request.url);
    // One value per browser and link: a second tab of the same link reuses it, so the
    // first tab's button keeps working.
    const cookie = confirmationCookieValue(request.headers.get("Cookie")) ?? newConfirmationCookie();
    const expiresAt = Math.floor(Date.now() / 1000) + CONFIRM_TTL_SECONDS;
    const value = await signConfirmation(env.MASTER_KEY, token, cookie, expiresAt);
    headers.append("Set-Cookie", confirmationCookieHeader(cookie, url.pathname, url.protocol === "https:"));
    html = confirmPage({
      fileName,
      storeName,
      fileSize,
      downloadHref: `${url.pathname}?${CONFIRM_PARAM}=${encodeURIComponent(value)}`,
    });
  }
  return new Response(request.method === "HEAD" ? null : html, { status: 200, headers });
}
