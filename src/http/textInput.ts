import { z } from "zod";
import { MAX_NAME_BYTES } from "../files/contentDisposition.ts";
import { utf8Length } from "../utils/encoding.ts";

/**
 * String schemas for input that ends up in a response header, a file name, a token claim or
 * a page. CR and LF in a stored MIME type or name make the runtime refuse the header, so
 * every download of the file fails; NUL and the other C0 controls, DEL and the C1 controls
 * (U+0080–U+009F, which some decoders treat as line breaks, NEL) have no place in such
 * text either. They are refused at the API, with the field named, rather than stored. One-line
 * text also refuses bidi embedding, override and isolate characters: a product or store name
 * shown on a page or in a listing could otherwise display reversed (`P\u202Egnp.exe` reads
 * as "Pexe.png").
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SINGLE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const MULTI_LINE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

const NO_CONTROLS = "control characters (CR, LF, NUL, tab, …) are not allowed";
const NO_BIDI = "nor bidi embedding/override/isolate characters";

/**
 * One line of text, `min`–`max` characters, without control or bidi control characters; a
 * required one (`min` ≥ 1) must hold more than spaces, or a customer id `" "` or a product
 * named `"   "` would be stored and shown as nothing.
 */
export function singleLine(min: number, max: number): z.ZodString {
  const line = z.string().min(min).max(max).regex(SINGLE_LINE, `${NO_CONTROLS}, ${NO_BIDI}`);
  // Empty is left to `min` alone, so "" gets one message, not two.
  return min >= 1 ? line.regex(/^$|\S/, "must not be blank") : line;
}

/** Text that may span lines (LF, CR, tab) but has no other control characters. */
export function multiLine(max: number): z.ZodString {
  return z.string().max(max).regex(MULTI_LINE, "control characters other than line breaks and tabs are not allowed");
}

/**
 * A file name as the store gives it: one line, no bidi controls, not blank, and at most 255
 * bytes of UTF-8, what a file system takes as one name (85 CJK characters, 63 emoji), so a
 * stored name is never cut (files/contentDisposition.ts). Path parts are cut off later, not refused.
 */
const MAX_NAME_CHARACTERS = 255;

export const fileNameSchema = singleLine(1, MAX_NAME_CHARACTERS).refine(
  // A name over the character limit is already refused by it (zod counts code points, as
  // this does): said once, not twice.
  (name) => [...name].length > MAX_NAME_CHARACTERS || utf8Length(name) <= MAX_NAME_BYTES,
  "at most 255 bytes in UTF-8, the longest name a file system saves",
);

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*"';

/** RFC 9110 §8.3.1 media-type, ASCII only: `type/subtype` with optional `; name=value` parameters. */
export const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?: *; *${TOKEN}=(?:${TOKEN}|${QUOTED}))*$`);

/** A stored `Content-Type`: `application/pdf`, `text/plain; charset=utf-8`. */
export const mimeTypeSchema = z
  .string()
  .max(200)
  .regex(
    MEDIA_TYPE,
    'a media type such as "application/pdf" or "text/plain; charset=utf-8", without control characters',
  );

/**
 * A whole number sent as text (a query parameter, a path segment), spelt in decimal digits
 * only: `Number()` would also read `0x10`, `1e1`, `0b11`, `+3`, ` 10` and `10.0`, which no
 * client means as a count and which the API would otherwise answer as if it had. `what`
 * describes it in `/openapi.json`, which adds the bounds.
 */
export function decimalInteger(min: number, max: number, what?: string) {
  // The document shows the text's pattern, so the bounds are said in its description.
  const bounds = `${min}–${max}`;
  return z
    .string()
    .regex(/^[0-9]{1,15}$/, "a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ description: what ? `${what}, ${bounds}` : bounds });
}
