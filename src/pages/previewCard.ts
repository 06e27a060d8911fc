import { html } from "./html.ts";
import type { Lang } from "./i18n.ts";
import { renderPage } from "./layout.ts";
import { scannerText } from "./scannerText.ts";
import type { PageStore } from "./store.ts";

export interface PreviewCardInput {
  lang: Lang;
  store: PageStore;
  fileName: string;
  /** e.g. "12.5MB"; null when not known yet. */
  fileSize: string | null;
  headOnly: boolean;
}

/**
 * The card a link-preview agent gets instead of the file (docs/CONTRACT.md §6 rule 4a): Open
 * Graph tags for the unfurl (file name, store), no file bytes, nothing the people in the
 * chat could not see from the link anyway.
 */
export function previewCard(input: PreviewCardInput): Response {
  const t = scannerText(input.lang);
  const description = `${t.downloadFrom(input.store.name)}${input.fileSize ? ` (${input.fileSize})` : ""}`;
  const head = html`<meta property="og:type" content="website" />
    <meta property="og:title" content="${input.fileName}" />
    <meta property="og:description" content="${description}" />
    <meta property="og:site_name" content="${input.store.name}" />
    <meta name="twitter:card" content="summary" />`;
  return renderPage({
    lang: input.lang,
    store: input.store,
    title: input.fileName,
    head,
    body: html`<p class="muted">${description}</p>`,
    headOnly: input.headOnly,
  });
}
