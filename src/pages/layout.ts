import { bodilessAnswer } from "../http/bodiless.ts";
import { SECURITY_HEADERS } from "../http/securityHeaders.ts";
import { html, safeHref, SafeHtml } from "./html.ts";
import { messages, type Lang } from "./i18n.ts";
import type { PageStore } from "./store.ts";

export interface PageOptions {
  lang: Lang;
  /** The store the page speaks for; null when the request belongs to no known store. */
  store: PageStore | null;
  /** Plain text: the `<title>` and the `<h1>`. */
  title: string;
  /** Everything under the heading, built with `html\`…\`` so it is escaped. */
  body: SafeHtml;
  status?: number;
  /** Extra or overriding response headers (Retry-After, Set-Cookie, …). */
  headers?: HeadersInit;
  /** Extra `<head>` content (a preview card's `og:` tags). */
  head?: SafeHtml;
  /** Small print at the bottom (an error reference). */
  footnote?: string;
  /** HEAD: the same status and headers, no body. */
  headOnly?: boolean;
}

/**
 * Inline, no external resources (a page must render with the gateway alone and leak no
 * request to a third party), readable on a 320 px phone, dark mode included. Text may break
 * anywhere (inherited from body): a long file name without spaces in the heading would
 * otherwise run off a phone's screen (`break-word` first for browsers without `anywhere`).
 */
const STYLE = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:17px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;color:#1d1d1f;background:#f5f5f7;overflow-wrap:break-word;overflow-wrap:anywhere}
header{padding:.9rem 1.1rem;background:#fff;border-bottom:1px solid #e3e3e8;font-weight:600;overflow-wrap:anywhere}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1.1rem 2rem}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 .8rem}
p{margin:.6rem 0}
a{color:#0b57d0}
.actions{margin:1.4rem 0}
.button{display:inline-block;padding:.75rem 1.3rem;border-radius:.6rem;background:#0b57d0;color:#fff;text-decoration:none;font-weight:600;min-height:44px}
.button:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
.muted{color:#5f6368;font-size:.9rem}
.note{padding:.8rem 1rem;border-radius:.6rem;background:#fff7e0;border:1px solid #f3d37a}
ul.files{list-style:none;margin:1rem 0;padding:0}
ul.files li{background:#fff;border:1px solid #e3e3e8;border-radius:.8rem;padding:1rem;margin:0 0 .8rem}
.file-name{font-weight:600;overflow-wrap:anywhere}
.product{color:#5f6368;font-size:.9rem;overflow-wrap:anywhere}
.back{margin-top:2rem}
footer{max-width:40rem;margin:0 auto;padding:0 1.1rem 2rem}
@media (prefers-color-scheme:dark){
body{color:#e8e8ed;background:#1c1c1e}header,ul.files li{background:#2c2c2e;border-color:#3a3a3c}
a{color:#8ab4f8}.button{background:#8ab4f8;color:#111}.muted,.product{color:#aeaeb2}
.note{background:#3a3220;border-color:#6b5a2a}}
`.replace(/\n/g, "");

/**
 * The style sheet goes in unescaped: it is this file's constant, never input, and escaping
 * would turn the font list's quotes into `&#34;`, which makes browsers drop the whole
 * `font` declaration (a `<style>` element's text is not entity-decoded).
 */
const STYLE_SHEET = new SafeHtml(STYLE);

/**
 * The gateway's customer-facing page: the store's name on top, the content, a link back
 * to the store. Every page (errors, the order page, preview cards, confirmation) is
 * built on this, so they look and behave alike.
 */
export function renderPage(options: PageOptions): Response {
  const { lang, store, title } = options;
  const t = messages(lang);
  const storeUrl = safeHref(store?.url);
  const page = html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="robots" content="noindex,nofollow" />
        <title>${store ? `${title} · ${store.name}` : title}</title>
        <style>
          ${STYLE_SHEET}
        </style>
        ${options.head}
      </head>
      <body>
        ${store && html`<header>${store.name}</header>`}
        <main>
          <h1>${title}</h1>
          ${options.body}
          ${store && storeUrl && html`<p class="back"><a href="${storeUrl}">← ${t.backTo(store.name)}</a></p>`}
        </main>
        ${options.footnote && html`<footer><p class="muted">${options.footnote}</p></footer>`}
      </body>
    </html> `;
  const headers = new Headers({
    ...SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Language": lang,
    // Nothing on these pages runs script or loads anything from elsewhere.
    "Content-Security-Policy":
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Robots-Tag": "noindex, nofollow",
    Vary: "Accept, Accept-Language",
  });
  const extra = new Headers(options.headers);
  extra.forEach((value, name) => {
    if (name !== "set-cookie") headers.set(name, value);
  });
  for (const cookie of extra.getSetCookie()) headers.append("Set-Cookie", cookie);
  const status = options.status ?? 200;
  if (options.headOnly) return bodilessAnswer(page.value, { status, headers });
  return new Response(page.value, { status, headers });
}
