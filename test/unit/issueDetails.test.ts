/**
 * src/http/issueDetails.ts: the `details` of a 400 for invalid input, with what an unknown
 * field was probably meant to be. Pure: schemas in, details out.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { issueDetails } from "../../src/http/issueDetails.ts";
import { createOrderSchema } from "../../src/orders/orderSchemas.ts";
import { createSigningKeySchema } from "../../src/routes/admin/keys/createSigningKey.ts";
import { updateTenantSchema } from "../../src/routes/admin/tenants/updateTenant.ts";
import { editDistance } from "../../src/utils/editDistance.ts";

function detailsOf(schema: z.ZodType, raw: unknown) {
  const parsed = schema.safeParse(raw);
  if (parsed.success) throw new Error("the input was valid");
  return issueDetails(schema, raw, parsed.error.issues);
}

const item = { product: { id: "p", name: "P" }, file_ids: ["f"] };
const order = (extra: Record<string, unknown>, itemExtra: Record<string, unknown> = {}) => ({
  order_number: "n1",
  customer_id: "c",
  items: [{ ...item, ...itemExtra }],
  ...extra,
});

describe("issueDetails", () => {
  it("keeps zod's message and names the path of every other issue", () => {
    expect(detailsOf(createOrderSchema, order({ customer_id: "" }))).toEqual([
      { path: "customer_id", message: expect.stringMatching(/>=1 characters/) },
    ]);
  });

  it.each([
    [
      order({}, { download_limit: 1 }),
      "items.0.download_limit",
      "unknown field here; it belongs in grant",
      "items.0.grant.download_limit",
    ],
    [
      order({ download_limit: 1 }),
      "download_limit",
      "unknown field here; it belongs in items[].grant",
      "items[].grant.download_limit",
    ],
    [
      order({}, { grant: { download_limt: 1 } }),
      "items.0.grant.download_limt",
      'unknown field; did you mean "download_limit"?',
      "items.0.grant.download_limit",
    ],
    [
      order({}, { grant: { DownloadLimit: 1 } }),
      "items.0.grant.DownloadLimit",
      'unknown field; did you mean "download_limit"?',
      "items.0.grant.download_limit",
    ],
    [
      order({}, { grant: { lim: 1 } }),
      "items.0.grant.lim",
      'unknown field; did you mean "download_limit"?',
      "items.0.grant.download_limit",
    ],
    [
      order({}, { grant: { expires: "x" } }),
      "items.0.grant.expires",
      'unknown field; did you mean "expires_at"?',
      "items.0.grant.expires_at",
    ],
    [order({}, { name: "P" }), "items.0.name", "unknown field here; it belongs in product", "items.0.product.name"],
    [order({ sub: "c" }), "sub", 'unknown field; did you mean "customer_id"?', "customer_id"],
    [order({ zzz: 1 }), "zzz", "unknown field", undefined],
  ])("hints for an unknown field (%#)", (raw, path, message, suggestion) => {
    const details = detailsOf(createOrderSchema, raw);
    expect(details).toContainEqual(suggestion === undefined ? { path, message } : { path, message, suggestion });
  });

  it("follows the branch a discriminated union's discriminator picks", () => {
    expect(
      detailsOf(createSigningKeySchema, {
        alg: "EdDSA",
        public_jwk: { kty: "OKP", kyt: "OKP", crv: "Ed25519", x: "a".repeat(43) },
      }),
    ).toEqual([
      { path: "public_jwk.kyt", message: 'unknown field; did you mean "kty"?', suggestion: "public_jwk.kty" },
    ]);
    expect(detailsOf(createSigningKeySchema, { alg: "HS256", public_jwk: {} })).toEqual([
      { path: "public_jwk", message: "not allowed with the other fields given" },
    ]);
  });

  it("finds settings that belong one level down or are spelt by their parts", () => {
    expect(detailsOf(updateTenantSchema, { resume_window_seconds: 5 })).toEqual([
      {
        path: "resume_window_seconds",
        message: "unknown field here; it belongs in settings",
        suggestion: "settings.resume_window_seconds",
      },
    ]);
    expect(
      detailsOf(updateTenantSchema, {
        settings: { customer_auth: { mode: "auth_url", url: "https://a.example", cache: 5 } },
      }),
    ).toEqual([
      {
        path: "settings.customer_auth.cache",
        message: 'unknown field; did you mean "cache_seconds"?',
        suggestion: "settings.customer_auth.cache_seconds",
      },
    ]);
  });
});

describe("editDistance", () => {
  it.each([
    ["limit", "limit", 0],
    ["limt", "limit", 1],
    ["lmiit", "limit", 1],
    ["download_limt", "download_limit", 1],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
  ])("%s → %s is %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});
