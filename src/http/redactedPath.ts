/**
 * Path segments whose next segment is a credential: a download token (`/downloads/<token>`,
 * also under `/api/<tenant>/` and the merchello-downloads profile's
 * `/api/merchello/downloads/<token>`; `/api/v2/storefront/digitals/<token>`) or an order's
 * access key (`/o/<access key>`). Anyone who reads it can download the file or see the order.
 */
const CREDENTIAL_FOLLOWS = new Set(["downloads", "digitals", "o"]);

/** A compact JWS anywhere in a path (its header is JSON, so it starts with `{"` = `eyJ`). */
const COMPACT_JWS = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/;

/** What is kept of a credential: enough to tell two apart in a log, far too little to use. */
const KEPT_CHARS = 8;

/**
 * `pathname` as it may be logged: every credential segment (above, or anything shaped like a
 * token) cut to its first 8 characters and "…". Logs are read by more people, and kept
 * longer, than the links they describe. Takes a pathname only: the query, which carries
 * `?dlg_confirm=` and the customer-account-orders profile's `?id=<access key>`, is never
 * logged at all.
 */
export function redactedPath(pathname: string): string {
  const segments = pathname.split("/");
  return segments
    .map((segment, index) =>
      (index > 0 && CREDENTIAL_FOLLOWS.has(segments[index - 1] ?? "")) || COMPACT_JWS.test(segment)
        ? cut(segment)
        : segment,
    )
    .join("/");
}

function cut(segment: string): string {
  return segment.length > KEPT_CHARS ? `${segment.slice(0, KEPT_CHARS)}…` : segment;
}
