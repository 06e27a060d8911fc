import { escapeHtml } from "../http/renderError.ts";
import { scannerShell } from "./scannerShell.ts";

export interface PreviewCardInput {
  fileName: string;
  /** The store's name (tenant setting `store_name`, else the tenant's name). */
  storeName: string;
  /** e.g. "12.5MB"; null when not known yet. */
  fileSize: string | null;
}

/**
 * The card a link-preview agent gets instead of the file (DESIGN.md §6 rule 4a): Open
 * Graph tags for the unfurl (file name, store), no file bytes, nothing the link's owner
 * would not see in the chat anyway.
 */
export function previewCard(input: PreviewCardInput): string {
  const title = input.fileName;
  const description = `Download from ${input.storeName}${input.fileSize ? ` (${input.fileSize})` : ""}`;
  const head = `
<meta property="og:type" content="website">
<meta property="og:title" content="${escapeHtml(title)}">
<meta property="og:description" content="${escapeHtml(description)}">
<meta property="og:site_name" content="${escapeHtml(input.storeName)}">
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${escapeHtml(title)}">
<meta name="twitter:description" content="${escapeHtml(description)}">
<meta name="robots" content="noindex, nofollow">`;
  const body = `<h1>${escapeHtml(title)}</h1><p class="meta">${escapeHtml(description)}</p>`;
  return scannerShell({ title, head, body });
}
