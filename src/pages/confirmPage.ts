import { escapeHtml } from "../http/renderError.ts";
import { scannerShell } from "./scannerShell.ts";

export interface ConfirmPageInput {
  fileName: string;
  storeName: string;
  fileSize: string | null;
  /** The second-stage URL (path and query) the button opens. */
  downloadHref: string;
}

/**
 * The confirmation page (DESIGN.md §6 rule 4a): one button, a plain link to the
 * second-stage GET, so the browser's own download (and its resume) handles the file.
 */
export function confirmPage(input: ConfirmPageInput): string {
  const title = `Download ${input.fileName}`;
  const size = input.fileSize ? ` <span class="meta">(${escapeHtml(input.fileSize)})</span>` : "";
  const body = `<p class="meta">${escapeHtml(input.storeName)}</p>
<h1>${escapeHtml(input.fileName)}${size}</h1>
<p><a class="button" href="${escapeHtml(input.downloadHref)}" rel="nofollow">Download</a></p>
<p class="small">Pressing the button starts the download and uses one of the downloads of your purchase. It works for 5 minutes in this browser. If it has expired, open your download link again.</p>`;
  return scannerShell({ title, head: `\n<meta name="robots" content="noindex, nofollow">`, body });
}
