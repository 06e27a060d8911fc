import { escapeHtml } from "../http/renderError.ts";

/**
 * Minimal page shell for the preview card and the confirmation page, until the shared
 * layout (store name and links, languages) lands; then this file goes.
 */
export function scannerShell(options: { title: string; head?: string; body: string; lang?: string }): string {
  return `<!doctype html>
<html lang="${options.lang ?? "en"}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(options.title)}</title>${options.head ?? ""}
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:10vh auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem;word-break:break-word}.button{display:inline-block;padding:.7rem 1.4rem;border-radius:.4rem;background:#1a56db;color:#fff;text-decoration:none;font-weight:600}
.meta{color:#555}.small{color:#777;font-size:.85rem}</style></head>
<body>${options.body}</body></html>`;
}
