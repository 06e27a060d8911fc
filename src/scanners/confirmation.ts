import { readCookie } from "../http/readCookie.ts";
import { base64url, fromBase64url, randomToken } from "../utils/encoding.ts";
import { derivedHmacKey } from "../tenants/derivedKey.ts";

/**
 * Confirmation mode (docs/CONTRACT.md §6 rule 4a). A browser navigation gets a page that sets a
 * random `dlg_confirm` cookie and links to `<download path>?dlg_confirm=<exp>.<mac>`, where
 * `mac` = HMAC-SHA256(key, token ‖ cookie ‖ exp) and `key` is derived from MASTER_KEY with
 * HKDF. Only that second request counts. A scanner that fetches the page but does not keep
 * its cookie, or that fetches the button's URL from another machine, is refused; a scanner
 * that runs a full browser and clicks (Safe Links can) is not stopped by this layer.
 *
 * The second stage stays a plain GET so browsers and download managers can resume it.
 */
export const CONFIRM_COOKIE = "dlg_confirm";
export const CONFIRM_PARAM = "dlg_confirm";
/** How long the page's button stays valid. */
export const CONFIRM_TTL_SECONDS = 300;
/** The cookie outlives the button a little, so a click at second 299 still carries it. */
const COOKIE_MAX_AGE_SECONDS = CONFIRM_TTL_SECONDS + 60;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{22,64}$/;
const PARAM_VALUE = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;
/** Browsers ignore a cookie attribute value longer than 1024 bytes (RFC 6265bis §5.6). */
const MAX_COOKIE_PATH = 1024;

/** HMAC key for confirmation URLs (its own label: it can never verify anything else the MASTER_KEY protects). */
function confirmationKey(masterKeyBase64: string): Promise<CryptoKey> {
  return derivedHmacKey(masterKeyBase64, "dlgate download confirmation v1", ["sign", "verify"]);
}

function message(token: string, cookie: string, expiresAt: number): Uint8Array {
  return new TextEncoder().encode(`${token}\n${cookie}\n${expiresAt}`);
}

/** The `dlg_confirm` query value for `token`, bound to the browser's cookie, valid until `expiresAt` (Unix s). */
export async function signConfirmation(
  masterKey: string,
  token: string,
  cookie: string,
  expiresAt: number,
): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await confirmationKey(masterKey), message(token, cookie, expiresAt));
  return `${expiresAt}.${base64url(new Uint8Array(mac))}`;
}

export type ConfirmationFailure = "missing_cookie" | "invalid" | "expired";

/** Checks a second-stage request's `dlg_confirm` value against the request's cookie. */
export async function verifyConfirmation(
  masterKey: string,
  token: string,
  param: string,
  cookieHeader: string | null,
  nowMs = Date.now(),
): Promise<{ ok: true } | { ok: false; reason: ConfirmationFailure }> {
  const match = PARAM_VALUE.exec(param);
  if (!match) return { ok: false, reason: "invalid" };
  const cookie = confirmationCookieValue(cookieHeader);
  if (cookie === null) return { ok: false, reason: "missing_cookie" };
  const expiresAt = Number(match[1]);
  const mac = fromBase64url(match[2] as string);
  // crypto.subtle.verify compares in constant time.
  const genuine = await crypto.subtle.verify(
    "HMAC",
    await confirmationKey(masterKey),
    mac,
    message(token, cookie, expiresAt),
  );
  if (!genuine) return { ok: false, reason: "invalid" };
  if (nowMs >= expiresAt * 1000) return { ok: false, reason: "expired" };
  return { ok: true };
}

/** The browser's confirmation cookie, when it has a well-formed one. */
export function confirmationCookieValue(cookieHeader: string | null): string | null {
  const value = readCookie(cookieHeader, CONFIRM_COOKIE);
  return value !== null && COOKIE_VALUE.test(value) ? value : null;
}

/** A new random cookie value (128 bits). */
export function newConfirmationCookie(): string {
  return randomToken(16);
}

/**
 * `Set-Cookie` for the confirmation cookie, scoped to this download's path so it is sent
 * only to this link (and each link of an order keeps its own). A path too long for
 * browsers to keep falls back to the download folder.
 */
export function confirmationCookieHeader(value: string, downloadPath: string, secure: boolean): string {
  const path =
    downloadPath.length <= MAX_COOKIE_PATH ? downloadPath : downloadPath.slice(0, downloadPath.lastIndexOf("/"));
  return `${CONFIRM_COOKIE}=${value}; Path=${path}; Max-Age=${COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
