/**
 * `Content-Disposition: attachment` with both forms of RFC 6266 §4.3: a plain ASCII
 * `filename` for old clients (wget, IE) and `filename*` in RFC 8187/5987 UTF-8 for
 * everything else, which wins where understood.
 */
export function contentDisposition(name: string, userAgent: string | null = null): string {
  const clean = sanitizeFileName(name);
  const plain = readsOnlyPlainFilename(userAgent) ? utf8AsHeaderBytes(clean) : asciiFallback(clean);
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

/** UTF-8 bytes as a ByteString (Headers take Latin-1 code units, one per byte). */
function utf8AsHeaderBytes(name: string): string {
  const safe = name.replace(/["\\]/g, "_");
  let out = "";
  for (const byte of new TextEncoder().encode(safe)) out += String.fromCharCode(byte);
  return out;
}

/** Removes what must never reach a file system: paths, control characters, leading dots. */
export function sanitizeFileName(name: string): string {
  const cleaned = name
    .normalize("NFC")
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "")
    .replace(/[/\\]/g, "_")
    .replace(/^[\s.]+|[\s.]+$/g, "")
    .trim();
  return cleaned === "" ? "download" : cleaned.slice(0, 255);
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
