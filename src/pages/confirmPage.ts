import type { ConfirmationFailure } from "../scanners/confirmation.ts";
import { html } from "./html.ts";
import { messages, type Lang } from "./i18n.ts";
import { renderPage } from "./layout.ts";
import { scannerText } from "./scannerText.ts";
import type { PageStore } from "./store.ts";

export interface ConfirmPageInput {
  lang: Lang;
  store: PageStore;
  fileName: string;
  fileSize: string | null;
  /** The second-stage URL (path and query) the button opens. */
  downloadHref: string;
  /** The `dlg_confirm` cookie the button's URL is bound to. */
  setCookie: string;
  headOnly: boolean;
}

/**
 * The confirmation page (docs/CONTRACT.md §6 rule 4a): one button, a plain link to the
 * second-stage GET, so the browser's own download (and its resume) handles the file.
 */
export function confirmPage(input: ConfirmPageInput): Response {
  const t = scannerText(input.lang);
  return renderPage({
    lang: input.lang,
    store: input.store,
    title: input.fileName,
    body: html`${input.fileSize && html`<p class="muted">${t.size(input.fileSize)}</p>`}
      <p>${t.confirmIntro}</p>
      <p class="actions"><a class="button" href="${input.downloadHref}" rel="nofollow">${t.confirmButton}</a></p>
      <p class="muted">${t.confirmNote}</p>`,
    headers: { "Set-Cookie": input.setCookie },
    headOnly: input.headOnly,
  });
}

/**
 * A browser that followed a button which is no longer good (expired, other browser,
 * altered): 400, why, and a way to a fresh button — the link itself.
 */
export function confirmRefusedPage(input: {
  lang: Lang;
  store: PageStore;
  reason: ConfirmationFailure;
  /** The download link without the button's parameter. */
  linkHref: string;
  headOnly: boolean;
}): Response {
  const t = scannerText(input.lang);
  return renderPage({
    lang: input.lang,
    store: input.store,
    title: t.refused[input.reason],
    body: html`<p class="actions"><a class="button" href="${input.linkHref}" rel="nofollow">${t.again}</a></p>`,
    status: 400,
    footnote: messages(input.lang).errorReference(400, "bad_request"),
    headOnly: input.headOnly,
  });
}
