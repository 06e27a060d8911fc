/**
 * `Content-Disposition: attachment` with both forms of RFC 6266 §4.3: a plain ASCII
 * `filename` for old clients (wget, IE) and `filename*` in RFC 8187/5987 UTF-8 for
 * everything else, which wins where understood.
 */
export function contentDisposition(name: string, userAgent: string | null = null): string {
  const clean = sanitizeFileName(name);
  const plain = readsOnlyPlainFilename(userAgent) ? curlFileName(clean) : asciiFallback(clean);
  return `attachment; filename="${plain}"; filename*=UTF-8''${encodeRfc5987(clean)}`;
}

/**
 * curl (`-OJ`) ignores `filename*` and writes the `filename` bytes verbatim, so for curl
 * the plain parameter carries the real name as raw UTF-8 instead of the ASCII stand-in.
 * Every browser and wget read `filename*`, which is identical for all clients.
 */
export function readsOnlyPlainFilename(userAgent: string | null): boolean {
  return userAgent !== null && /^curl\//i.test(userAgent);
}

/**
 * The real name for curl's plain `filename`. workerd writes a header string to the wire as
 * UTF-8 (it does not treat code units as Latin-1 bytes), so the name itself goes out as raw
 * UTF-8; pre-encoding it to "bytes" would double-encode it ("é" → "Ã©").
 */
function curlFileName(name: string): string {
  return name.replace(/["\\]/g, "_");
}

/** Removes what must never reach a file system: paths, control characters, leading dots. */
export function sanitizeFileName(name: string): string {
  const cleaned = name
    .normalize("NFC")
    // A lone surrogate (possible in a JSON `fn` claim) has no UTF-8 form: encodeURIComponent throws on it.
    .replace(/\p{Cs}/gu, "")
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "")
    .replace(/[/\\]/g, "_")
    .replace(/^[\s.]+|[\s.]+$/g, "")
    .trim();
  if (cleaned === "") return "download";
  // Cut at 255 UTF-16 units without splitting a surrogate pair (emoji), which would leave a lone half.
  const cut = cleaned.slice(0, 255);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * ASCII stand-in: accents dropped ("é" → "e"), anything else outside printable ASCII,
 * and the characters that break or confuse a quoted-string (`"`, `\`, `%`), become `_`.
 */
export function asciiFallback(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]|["\\%]/gu, "_");
}

/** RFC 8187 value-chars: attr-char stays, everything else is %XX of its UTF-8 bytes. */
export function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
