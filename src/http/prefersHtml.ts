/**
 * True when the Accept header ranks text/html above application/json (RFC 9110 §12.5.1).
 * Browsers send `text/html,…,*\/*;q=0.8`; curl sends `*\/*`, which gets JSON.
 */
export function prefersHtml(accept: string | null): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(",")) {
    const [rawType = "", ...params] = part.trim().toLowerCase().split(";");
    const type = rawType.trim();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "q" && v !== undefined) {
        const n = Number(v);
        q = Number.isFinite(n) ? n : 0;
      }
    }
    if (type === "text/html" || type === "application/xhtml+xml") html = Math.max(html, q);
    if (type === "application/json") json = Math.max(json, q);
  }
  return html > 0 && html > json;
}
