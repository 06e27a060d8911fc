import { utf8Length } from "../utils/encoding.ts";

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
 * A file name's longest form on disk: 255 bytes of UTF-8, NAME_MAX of ext4, APFS and most
 * other file systems. curl `-OJ` and aria2c fail to save a longer name (and the download may
 * already be counted), and wget cuts it mid-character; 255 UTF-16 units of CJK are 765 bytes.
 */
export const MAX_NAME_BYTES = 255;

const trimmed = (value: string): string => value.replace(/^[\s.]+|[\s.]+$/g, "");

/**
 * The one cleaning step for every name a customer sees or saves (Content-Disposition, the
 * info and listing JSON): no controls or bidi controls, no paths, no leading dots, at
 * most 255 bytes of UTF-8 with its extension kept, never empty. Idempotent, so cleaning
 * twice changes nothing.
 */
export function sanitizeFileName(name: string): string {
  const cleaned = trimmed(
    name
      // A lone surrogate (possible in a JSON `fn` claim) has no UTF-8 form: encodeURIComponent throws on it.
      .replace(/\p{Cs}/gu, "")
      // Removed before NFC, so a mark between a letter and its accent cannot hide a composition.
      .replace(INVISIBLE_OR_CONTROL, "")
      .normalize("NFC")
      .replace(/[/\\]/g, "_"),
  );
  return fittedName(cleaned) || "download";
}

/**
 * `name` within MAX_NAME_BYTES: a longer one loses the end of its stem, cut between code
 * points (never inside an emoji's surrogate pair), and keeps its extension (`.epub`, at
 * most 16 characters), which is what makes the saved file open.
 */
function fittedName(name: string): string {
  if (utf8Length(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && /^\.[^\s.]{1,15}$/u.test(name.slice(dot)) ? name.slice(dot) : "";
  let budget = MAX_NAME_BYTES - utf8Length(extension);
  let stem = "";
  for (const character of extension ? name.slice(0, dot) : name) {
    budget -= utf8Length(character);
    if (budget < 0) break;
    stem += character;
  }
  // The cut may end on a space or a dot, which the cleaning would have removed.
  const fitted = trimmed(stem);
  return fitted ? fitted + extension : trimmed(extension);
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
