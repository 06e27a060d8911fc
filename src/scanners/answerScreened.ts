import type { Env } from "../env.ts";
import { presentedFileName, presentedName } from "../files/fileHeaders.ts";
import { fileMetadata } from "../files/fileMetadata.ts";
import { registeredName } from "../files/registeredName.ts";
import { HttpError } from "../http/HttpError.ts";
import { prefersHtml } from "../http/prefersHtml.ts";
import { logDownloadEvent } from "../links/downloadLogBatch.ts";
import type { AdmitBase } from "../links/linkTypes.ts";
import { recordRefusal } from "../links/recordRefusal.ts";
import type { linkStub } from "../links/linkStub.ts";
import { humanFileSize } from "../orders/humanFileSize.ts";
import { confirmPage, confirmRefusedPage } from "../pages/confirmPage.ts";
import { pickLanguage } from "../pages/i18n.ts";
import { previewCard } from "../pages/previewCard.ts";
import { storeOf } from "../pages/store.ts";
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
import type { ConfirmationFailure } from "./confirmation.ts";
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
  admitBase: AdmitBase;
}

/** What a refused Download button says, per reason. */
const REFUSED_MESSAGES: Record<ConfirmationFailure, string> = {
  missing_cookie:
    "This download button only works in the browser that showed it. Open the download link again in this browser.",
  invalid: "This download button is not valid. Open the download link again.",
  expired: "This download button has expired (it is valid for 5 minutes). Open the download link again.",
};

/**
 * Answers a preview agent with its card, a browser with the confirmation page, or a bad
 * Download button with 400 (logged on the link as that refusal). The card and the page
 * still go through the link's `admit`, uncounted and without a body, so they are logged
 * with their reason, and a link that would refuse the download (expired, revoked, used
 * up, device limit) answers that error instead of a card or a button.
 */
export async function answerScreened(
  screening: Exclude<Screening, { kind: "download" }>,
  input: ScreenedRequest,
): Promise<Response> {
  const { request, env, ctx, tenant, claims, token, link } = input;
  const url = new URL(request.url);
  const lang = pickLanguage(request.headers.get("Accept-Language"));
  const store = storeOf(tenant);
  const headOnly = request.method === "HEAD";

  if (screening.kind === "refused") {
    const refusal = new HttpError(
      "bad_request",
      REFUSED_MESSAGES[screening.reason],
      {},
      // The Error schema's details: what was wrong with which parameter.
      [{ path: CONFIRM_PARAM, message: screening.reason }],
    );
    await recordRefusal(env, ctx, link, input.admitBase, refusal);
    // A browser gets a page with a way to a fresh button; anything else the JSON error.
    if (!prefersHtml(request.headers.get("Accept"))) throw refusal;
    return confirmRefusedPage({ lang, store, reason: screening.reason, linkHref: url.pathname, headOnly });
  }

  const decision = await link.admit({
    ...input.admitBase,
    delivers: true,
    sendsBody: false,
    rangeStart: null,
    plannedStatus: 200,
    plannedBytes: 0,
    // A HEAD is logged as every HEAD is (`no_body`): it suppressed no download, so it adds
    // nothing to the link's suppressed figures (docs/CONTRACT.md §4: a HEAD changes nothing).
    uncounted: headOnly ? "no_body" : screening.kind === "preview" ? "preview" : "confirmation",
  });
  logDownloadEvent(ctx, env, decision);
  if (!decision.ok) throw refusalError(decision.reason);

  // The name the download would be saved under, cleaned as Content-Disposition cleans it
  // (no U+202E from a token's `fn` on the page). A pull-through file not fetched yet has no
  // metadata, and a card is no reason to fetch it: its registered name is what the pull
  // will store, so that is the name without an `fn`.
  const file = await fileMetadata(env.FILES, `${tenant.id}/${claims.fid}`);
  const fileName = file
    ? presentedName(file, claims.fn, claims.fid)
    : presentedFileName(claims.fn ?? (await registeredName(env, tenant.id, claims.fid)), claims.fid);
  const fileSize = file ? humanFileSize(file.size) : null;
  if (screening.kind === "preview") return previewCard({ lang, store, fileName, fileSize, headOnly });

  // One cookie value per browser and link: a second tab of the same link reuses it, so
  // the first tab's button keeps working.
  const cookie = confirmationCookieValue(request.headers.get("Cookie")) ?? newConfirmationCookie();
  const expiresAt = Math.floor(Date.now() / 1000) + CONFIRM_TTL_SECONDS;
  const value = await signConfirmation(env.MASTER_KEY, token, cookie, expiresAt);
  return confirmPage({
    lang,
    store,
    fileName,
    fileSize,
    downloadHref: `${url.pathname}?${CONFIRM_PARAM}=${encodeURIComponent(value)}`,
    setCookie: confirmationCookieHeader(cookie, url.pathname, url.protocol === "https:"),
    headOnly,
  });
}
