/**
 * The one error type of the gateway. Anything that refuses a request throws (or returns)
 * an HttpError; `renderError` turns it into the JSON or HTML body of docs/CONTRACT.md §7.
 */
export const ERROR_STATUS = {
  invalid_token: 403,
  not_yet_valid: 403,
  expired: 410,
  revoked: 410,
  limit_reached: 403,
  ip_not_allowed: 403,
  device_limit_reached: 403,
  pending: 403,
  suspended: 403,
  country_not_allowed: 403,
  auth_required: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  range_not_satisfiable: 416,
  rate_limited: 429,
  bad_request: 400,
  payload_too_large: 413,
  origin_error: 502,
  origin_timeout: 504,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class HttpError extends Error {
  readonly status: number;
  /** Extra response headers (Retry-After, Content-Range, Allow, WWW-Authenticate). */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    headers: Record<string, string> = {},
    /** For `bad_request`: which input is wrong and why. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
    this.status = ERROR_STATUS[code];
    // RFC 9110 §15.5.2: a 401 names the scheme it would accept (a Bearer credential, everywhere here).
    const named = Object.keys(headers).some((name) => name.toLowerCase() === "www-authenticate");
    this.headers =
      this.status === 401 && !named ? { "WWW-Authenticate": 'Bearer realm="dlgate"', ...headers } : headers;
  }
}
