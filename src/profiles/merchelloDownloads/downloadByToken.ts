import { z } from "zod";
import { customerId } from "../../auth/customerIdentity.ts";
import { defineEndpoint } from "../../http/endpoint.ts";
import { HttpError, type ErrorCode } from "../../http/HttpError.ts";
import { enforceRateLimit } from "../../http/rateLimit.ts";
import { renderError } from "../../http/renderError.ts";
import { clientAddress } from "../../policy/clientAddress.ts";
import type { Refusal } from "../../policy/decideAccess.ts";
import { serveDownload } from "../../routes/download.ts";
import { customerSecurity, downloadHeaders, fileResponses } from "../../routes/customer/customerSchemas.ts";
import { PROFILE_DOC } from "../profileEndpoint.ts";
import { BASE, PROFILE } from "./merchelloProfile.ts";

/**
 * The seed's statuses for `GET /{token}`: 401 not signed in, 403 download limit reached,
 * 404 invalid/expired token or missing file, 400 any other validation failure. A link of
 * another customer fails the system's token validation (ownership is part of it), so it
 * is a 404 too, which also keeps its existence private. The device limit is a download
 * limit for the front end ("Download limit reached"). Every policy refusal must be listed
 * (the type says so, so a new one cannot slip through with dlgate's own status); other codes
 * not listed (416, 412, 429, 502) keep their HTTP meaning.
 */
type SeedStatuses = Record<Refusal, number> & Partial<Record<ErrorCode, number>>;

const SEED_STATUS: SeedStatuses = {
  auth_required: 401,
  limit_reached: 403,
  device_limit_reached: 403,
  invalid_token: 404,
  expired: 404,
  revoked: 404,
  forbidden: 404,
  not_found: 404,
  not_yet_valid: 400,
  pending: 400,
  // A held order or a blocked link: like an unpaid order, a state of the purchase.
  suspended: 400,
  ip_not_allowed: 400,
  country_not_allowed: 400,
  bad_request: 400,
  unavailable: 503,
};

/** Our `{error, message}` body (or HTML page) with the seed's status instead of ours. */
function withSeedStatus(error: HttpError, request: Request): Response {
  const rendered = renderError(error, request, request.method === "HEAD");
  const status = SEED_STATUS[error.code] ?? error.status;
  return new Response(rendered.body, { status, headers: rendered.headers });
}

/** `GET /{token}`: rate limit per client address, sign-in, then the core download bound to that customer. */
export const downloadByToken = defineEndpoint({
  method: "get",
  path: `${BASE}/:token`,
  access: "profile",
  profile: PROFILE,
  operationId: "merchelloDownload",
  ...PROFILE_DOC,
  // Every route of this API is behind the customer's sign-in (bearer, cookie or auth_url).
  security: customerSecurity,
  summary: "Seed 004: download by token, for the signed-in customer it was issued to",
  // The token as sent: a credential, compared as the store issued it.
  params: z.object({ token: z.string() }),
  rawParams: true,
  anyQuery: true,
  // The core download's answers (Range, conditionals); refusals with the seed's statuses.
  headers: downloadHeaders,
  responses: fileResponses,
  // One code per status the seed's map (and the unchanged ones) can answer; the body is
  // dlgate's error body, its `error` saying what happened.
  errors: [
    "bad_request",
    "auth_required",
    "limit_reached",
    "not_found",
    "precondition_failed",
    "range_not_satisfiable",
    "rate_limited",
    "origin_error",
    "unavailable",
  ],
  async handle({ request, env, ctx, params, tenant }) {
    try {
      // Before anything else, like the system's rate-limiting middleware; per store and address.
      await enforceRateLimit(
        env.DOWNLOAD_RATE_LIMIT,
        `${PROFILE}:${tenant.id}:${clientAddress(request.headers) ?? "unknown"}`,
      );
      // The seed checks sign-in first: 401 wins over a bad token. serveDownload then checks
      // that the token's `sub` is this same customer.
      await customerId(request, env, tenant);
      return await serveDownload({ request, env, ctx, token: params.token, requireCustomer: true });
    } catch (error) {
      if (error instanceof HttpError) return withSeedStatus(error, request);
      throw error;
    }
  },
});
