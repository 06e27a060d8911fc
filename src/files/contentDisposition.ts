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

/**
 * Characters a presented name never keeps: C0 controls, DEL and C1 controls (CR/LF would
 * split a header, NUL cuts a name short in C), the Unicode line and paragraph separators,
 * and the bidirectional controls (embeddings, overrides and isolates U+202A–U+202E and
 * U+2066–U+2069, the marks U+200E/U+200F/U+061C): with U+202E (RIGHT-TO-LEFT OVERRIDE)
 * `invoice\u202Egnp.exe` is displayed as `invoiceexe.png`, an executable posing as a
 * picture (Unicode TR #9 and TR #36; CVE-2009-3376 was this trick in a browser download dialog).
 */
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const INVISIBLE_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * The one cleaning step for every name a customer sees or saves (Content-Disposition, the
 * info and listing JSON): no controls or bidi controls, no paths, no leading dots, at
 * most 255 UTF-16 units, never empty. Idempotent, so cleaning twice changes nothing.
 */
export function sanitizeFileName(name: string): string {
  const trimmed = (value: string) => value.replace(/^[\s.]+|[\s.]+$/g, "");
  const cleaned = trimmed(
    name
      // A lone surrogate (possible in a JSON `fn` claim) has no UTF-8 form: encodeURIComponent throws on it.
      .replace(/\p{Cs}/gu, "")
      // Removed before NFC, so a mark between a letter and its accent cannot hide a composition.
      .replace(INVISIBLE_OR_CONTROL, "")
      .normalize("NFC")
      .replace(/[/\\]/g, "_"),
  );
  // Cut at 255 UTF-16 units without splitting a surrogate pair (emoji), which would leave a lone half.
  let cut = cleaned.slice(0, 255);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  // The cut may end on a space or a dot, which the first pass would have removed.
  return trimmed(cut) || "download";
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
