import { z } from "zod";
import { defineEndpoint, type EndpointInput } from "../../http/endpoint.ts";
import { HttpError, type ErrorCode } from "../../http/HttpError.ts";
import { SECURITY_HEADERS } from "../../http/renderError.ts";
import type { Refusal } from "../../policy/decideAccess.ts";
import { serveDownload } from "../../routes/download.ts";
import { downloadHeaders, fileResponses, optionalCustomer } from "../../routes/customer/customerSchemas.ts";
import { PROFILE_DOC } from "../profileEndpoint.ts";

/**
 * Profile `storefront-digitals` (seed 003): `GET|HEAD /api/v2/storefront/digitals/:token`
 * streams the asset of a dlgate download token through the core download path, and
 * answers refusals with the system's own JSON:API error bodies. docs/profiles/storefront-digitals.md.
 */
const PROFILE = "storefront-digitals";
const PATH = "/api/v2/storefront/digitals/:token";

/** The seed's error content type. */
export const JSON_API_TYPE = "application/vnd.api+json";
/** The seed's 403 body text. */
export const NOT_AUTHORIZED = "You are not authorized to access this page.";
/** What the system answers for a token it does not know (a record lookup that finds nothing). */
export const RESOURCE_NOT_FOUND = "The resource you were looking for could not be found.";

/**
 * The system refuses every download it will not serve with one 403 ("not authorized"):
 * limits, days since purchase, and also a missing attachment. Our other policy refusals
 * (revoked, not yet valid, address, country, devices, unpaid or held order, another
 * customer's link) are the same kind of refusal for its front end; the type makes every
 * policy refusal be listed but `unavailable` (a 503 to retry, not a refusal). A token that does not verify is a token the
 * store never issued: the system's lookup by token answers 404 for those.
 * Everything else (416, 412, 429, 502, 503) keeps the gateway's own answer.
 */
const SEED_STATUS: Record<Exclude<Refusal, "unavailable">, 403> & Partial<Record<ErrorCode, 403 | 404>> = {
  limit_reached: 403,
  expired: 403,
  revoked: 403,
  not_yet_valid: 403,
  ip_not_allowed: 403,
  country_not_allowed: 403,
  device_limit_reached: 403,
  pending: 403,
  suspended: 403,
  auth_required: 403,
  forbidden: 403,
  not_found: 403,
  invalid_token: 404,
};

/** The core download, its refusals answered in the system's own words. */
async function digitalAsset({ request, env, ctx, params }: DigitalAssetInput): Promise<Response> {
  try {
    return await serveDownload({ request, env, ctx, token: params.token });
  } catch (error) {
    const status = error instanceof HttpError ? SEED_STATUS[error.code] : undefined;
    if (status === undefined) throw error;
    const body = JSON.stringify({ error: status === 403 ? NOT_AUTHORIZED : RESOURCE_NOT_FOUND });
    return new Response(request.method === "HEAD" ? null : body, {
      status,
      headers: { ...SECURITY_HEADERS, "Content-Type": JSON_API_TYPE },
    });
  }
}

/** The token as sent (`rawParams`): a credential, compared as the store issued it. */
const tokenParams = z.object({ token: z.string() });
type DigitalAssetInput = EndpointInput<typeof tokenParams, undefined, "none", "profile">;

/** The seed's error body, `{"error": "<its sentence>"}` as JSON:API media type. */
export const seedErrorBody = z.object({ error: z.string() }).meta({ id: "StorefrontDigitalsError" });
const SEED_ERROR_RESPONSES = {
  403: {
    description: `Any refusal (limits, expiry, revocation, …): {"error": "${NOT_AUTHORIZED}"}`,
    content: { [JSON_API_TYPE]: { schema: seedErrorBody } },
  },
  404: {
    description: `A token the store never issued: {"error": "${RESOURCE_NOT_FOUND}"}`,
    content: { [JSON_API_TYPE]: { schema: seedErrorBody } },
  },
};

/** GET streams the asset, HEAD gives its headers; both through the core download path. */
const digitalAssetEndpoint = (method: "get" | "head", operationId: string, summary: string) =>
  defineEndpoint({
    method,
    path: PATH,
    access: "profile",
    profile: PROFILE,
    operationId,
    ...PROFILE_DOC,
    summary,
    // No customer credential, like the seed's path; a link issued with `auth: true` still needs one.
    security: optionalCustomer,
    params: tokenParams,
    rawParams: true,
    anyQuery: true,
    // The core download's answers (Range, conditionals), and the seed's two refusals.
    headers: downloadHeaders,
    responses: { ...fileResponses, ...SEED_ERROR_RESPONSES },
    // Past the seed's two refusals, the core download's own answers.
    errors: ["precondition_failed", "range_not_satisfiable", "origin_error", "unavailable"],
    handle: digitalAsset,
  });

export const storefrontDigitalsEndpoints = [
  digitalAssetEndpoint("get", "storefrontDigitalAsset", "Seed 003: download a digital asset"),
  digitalAssetEndpoint("head", "storefrontDigitalAssetHeaders", "Seed 003: a digital asset's headers"),
];
