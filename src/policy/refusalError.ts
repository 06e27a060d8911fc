import { HttpError } from "../http/HttpError.ts";
import type { TokenFailure } from "../token/verifyToken.ts";
import type { Refusal } from "./decideAccess.ts";

const REFUSAL_MESSAGES: Record<Refusal, string> = {
  not_yet_valid: "This download link is not valid yet.",
  expired: "This download link has expired.",
  revoked: "This download link has been withdrawn by the store.",
  pending: "This order is not paid yet; the download opens once it is.",
  ip_not_allowed: "This download link cannot be used from your network.",
  limit_reached: "This file has been downloaded as many times as the purchase allows.",
  device_limit_reached: "This download link has been used on the maximum number of devices.",
  suspended:
    "This download is paused: its order is under review by the store, or the link was used from more networks or countries than the store allows. Contact the store's support.",
  country_not_allowed: "This download link cannot be used from your country.",
  unavailable: "The store's order records cannot be checked right now. Please try again shortly.",
};

const TOKEN_MESSAGES: Record<TokenFailure, string> = {
  too_long: "The download link is too long to be valid.",
  malformed: "The download link is malformed.",
  missing_kid: "The download link does not name its signing key.",
  unknown_kid: "The download link was signed with a key this store does not use.",
  wrong_alg: "The download link uses a signature algorithm that is not accepted.",
  bad_signature: "The download link's signature does not match.",
  bad_claims: "The download link carries invalid data.",
  wrong_tenant: "The download link belongs to another store.",
};

/** A refusal of the link's policy as the HTTP error of docs/CONTRACT.md §7. */
export function refusalError(reason: Refusal): HttpError {
  return new HttpError(reason, REFUSAL_MESSAGES[reason], reason === "unavailable" ? { "Retry-After": "5" } : {});
}

/** Every token failure is `invalid_token`; the message says which check failed. */
export function tokenError(reason: TokenFailure): HttpError {
  return new HttpError("invalid_token", TOKEN_MESSAGES[reason]);
}
