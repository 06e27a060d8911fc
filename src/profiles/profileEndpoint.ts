import { defineEndpoint, type Endpoint } from "../http/endpoint.ts";
import { HttpError } from "../http/HttpError.ts";
import type { ProfileName } from "../tenants/tenantSettings.ts";

/**
 * What every profile endpoint says in `/openapi.json`: its answers are in the shape of the
 * system it imitates (docs/PROFILES.md), not dlgate's own, and where the Host's tenant has
 * not enabled it the path is the store's own.
 */
export const PROFILE_DOC = {
  tags: ["Compatibility profiles"],
  description:
    "Answers in the shape of the storefront system it imitates, for tenants that enabled the profile " +
    "(settings.profiles); for other tenants the request goes on to the tenant's origin, else 404.",
};

/** What a profile path answers where the Host's tenant has not enabled the profile. */
export const ORIGIN_ANSWER =
  "Not this API's answer: where the Host's tenant has not enabled the profile, the request goes on to " +
  "the tenant's origin unchanged and this is whatever the origin answers (404 not_found when it has none). " +
  "Where the profile is enabled, every method but GET is 405 method_not_allowed with `Allow: GET`.";

/**
 * A read-only API of a profile (seeds 001 and 002): every method other than the GET
 * declared before it on `path` is 405 with `Allow: GET`, where the profile is enabled.
 */
export function readOnly(profile: ProfileName, path: string, operationId: string): Endpoint {
  return defineEndpoint({
    method: "all",
    path,
    access: "profile",
    profile,
    operationId,
    tags: PROFILE_DOC.tags,
    summary: "Any other method: this API is read-only",
    description: PROFILE_DOC.description,
    anyQuery: true,
    // Nothing here succeeds: where the tenant enabled the profile the answer is 405; elsewhere
    // the request is the store's and its answer is whatever the origin answers.
    responses: { default: { description: ORIGIN_ANSWER } },
    errors: ["method_not_allowed", "not_found"],
    handle() {
      throw new HttpError("method_not_allowed", "This API is read-only: only GET is allowed.", { Allow: "GET" });
    },
  });
}
