import type { LinkStatus } from "../policy/linkFigures.ts";
import { humanFileSize } from "../orders/humanFileSize.ts";
import { supportStep } from "./errorPage.ts";
import { html } from "./html.ts";
import { formatDateTime, messages, type Lang, type Messages } from "./i18n.ts";
import { renderPage } from "./layout.ts";
import type { PageStore } from "./store.ts";

/** One file of the order as the page lists it. */
export interface OrderPageFile {
  name: string;
  product: string;
  variant: string | null;
  size: number | null;
  status: LinkStatus;
  remaining: number | null;
  limit: number | null;
  /** Unix seconds, or null for no expiry. */
  expiresAt: number | null;
  /** A freshly signed download URL while the file can be downloaded, else null. */
  url: string | null;
}

export interface OrderPageOptions {
  lang: Lang;
  store: PageStore | null;
  orderNumber: string;
  orderStatus: "pending" | "complete" | "canceled";
  files: OrderPageFile[];
  headOnly?: boolean;
}

/** Statuses whose error page sends the customer to the store's support (pages/errorPage.ts). */
const SUPPORT_STATUSES: ReadonlySet<LinkStatus> = new Set(["suspended", "exhausted", "revoked", "removed"]);

function facts(file: OrderPageFile, t: Messages, lang: Lang): string {
  const size = humanFileSize(file.size) ?? t.order.unknownSize;
  const downloads =
    file.limit === null || file.remaining === null ? t.order.unlimited : t.order.remaining(file.remaining, file.limit);
  const expiry = file.expiresAt === null ? t.order.noExpiry : t.order.until(formatDateTime(lang, file.expiresAt));
  return [`${t.order.size}: ${size}`, downloads, expiry].join(" · ");
}

function fileEntry(file: OrderPageFile, t: Messages, lang: Lang, orderStatus: OrderPageOptions["orderStatus"]) {
  const product = file.variant ? `${file.product} — ${file.variant}` : file.product;
  // A canceled order's files read as part of that order, not one by one "no longer available".
  const state =
    file.url !== null
      ? html`<p class="actions">
          <a class="button" href="${file.url}" rel="nofollow noopener">${t.order.download}</a>
        </p>`
      : orderStatus === "complete" && file.status !== "available"
        ? html`<p><strong>${t.order.status[file.status]}</strong></p>`
        : null;
  return html`<li>
    <div class="file-name">${file.name}</div>
    ${product !== file.name && html`<div class="product">${product}</div>`}
    ${orderStatus !== "canceled" && html`<p class="muted">${facts(file, t, lang)}</p>`} ${state}
  </li>`;
}

/**
 * The hosted downloads page of one order (`GET /o/<access key>`), for stores without a
 * front end of their own: every file with its size, downloads left, expiry and a
 * Download button; a pending order says it waits for payment, a canceled one says so.
 */
export function orderPage(options: OrderPageOptions): Response {
  const { lang, orderStatus, store } = options;
  const t = messages(lang);
  // "Each button starts…" only above a button; a page of held or used-up files has none.
  const lead =
    orderStatus === "pending"
      ? html`<p class="note">${t.order.pending}</p>`
      : orderStatus === "canceled"
        ? html`<p class="note">${t.order.canceled}</p>`
        : options.files.length === 0
          ? html`<p>${t.order.empty}</p>`
          : options.files.some((file) => file.url !== null) && html`<p>${t.order.intro}</p>`;
  // A file the customer needs the store for (held for review, used up, withdrawn, removed):
  // the store's support, as the error page of that file's link would say.
  const needsSupport =
    orderStatus === "complete" && options.files.some((file) => file.url === null && SUPPORT_STATUSES.has(file.status));
  const support = needsSupport && supportStep(t, store ?? null);
  const body = html`${lead}
    <ul class="files">
      ${options.files.map((file) => fileEntry(file, t, lang, orderStatus))}
    </ul>
    ${support}
    <p class="muted">${t.order.privacy}</p>`;
  return renderPage({
    lang,
    store,
    title: t.order.title(options.orderNumber),
    body,
    headOnly: options.headOnly,
  });
}
