import { z } from "zod";

/**
 * A URL field of the issuer or operator API: `protocol` as zod matches it, and no user info
 * (`user:password@host`). Credentials in a URL travel wherever the URL does: echoed back by
 * the API that stores it, into logs, and with every request to it.
 */
export function urlWithoutUserInfo(protocol: RegExp, error?: string) {
  return z.url({ protocol, ...(error ? { error } : {}) }).refine((value) => {
    const url = URL.parse(value);
    // Not a URL at all: z.url has said so, once; this check is only about user info.
    return url === null || (url.username === "" && url.password === "");
  }, "no user info (user:password@): credentials in a URL are echoed back and logged");
}
