/**
 * Headers by which browsers mark a request nobody has asked to see yet:
 * - `Sec-Purpose` (Fetch standard; a structured-field list): `prefetch`,
 *   `prefetch;prerender` (speculation rules), `prefetch;anonymous-client-ip`;
 * - `Purpose: prefetch` (older Chromium, `<link rel=prefetch>`);
 * - `X-Purpose: preview` (Safari's Top Sites), `X-Moz: prefetch` (Firefox).
 */
const PURPOSE_HEADERS = ["Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"] as const;
const SPECULATIVE = new Set(["prefetch", "prerender", "preview"]);

/**
 * True for a prefetch or prerender (docs/CONTRACT.md §5): it must get a non-2xx answer without
 * file bytes, because Chromium keeps a 2xx prefetch and hands it to the customer on click
 * (an empty file when the 2xx had no body).
 */
export function isSpeculative(headers: Headers): boolean {
  for (const name of PURPOSE_HEADERS) {
    const value = headers.get(name);
    if (!value) continue;
    // Tokens of a structured-field list with parameters: split on the list, parameter
    // and key/value separators and look at every bare token.
    for (const token of value.toLowerCase().split(/[\s,;=]+/)) if (SPECULATIVE.has(token)) return true;
  }
  return false;
}
