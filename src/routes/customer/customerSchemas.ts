import type { ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { downloadsListingSchema } from "../../orders/orderSchemas.ts";
import { tenantIdSchema } from "../admin/adminSchemas.ts";

/** `/api/{tenant}/…`: the customer routes exist bare (tenant from the Host) and under the tenant's id. */
export const tenantPrefix = { tenantParam: tenantIdSchema.meta({ description: "Tenant id" }) };

/** Links open for anyone holding the token; a link with `auth: true` also needs the customer's credential. */
export const optionalCustomer: Record<string, string[]>[] = [{}, { customerToken: [] }];

/** Listings are personal: the customer's bearer token, or the store's cookie / auth_url on its own host. */
export const customerSecurity: Record<string, string[]>[] = [{ customerToken: [] }, {}];

/** `/downloads/:token`: the token as sent (endpoint `rawParams`): a credential, not a name to decode. */
export const tokenParams = z.object({
  token: z.string().meta({ description: "The signed download token, a JWS (docs/TOKEN.md)" }),
});

/** Request headers that change a download's answer (docs/CONTRACT.md §5, §6). */
export const downloadHeaders = z.object({
  Range: z.string().optional().meta({ description: "One range: bytes=a-b, bytes=a- or bytes=-n" }),
  "If-Range": z.string().optional(),
  "If-None-Match": z.string().optional(),
  "If-Modified-Since": z.string().optional(),
  "If-Match": z.string().optional(),
  "If-Unmodified-Since": z.string().optional(),
  "Sec-Purpose": z
    .string()
    .optional()
    .meta({ description: "`prefetch`: headers only, never counted (also `Purpose: prefetch`)" }),
});

const binary = z.string().meta({ format: "binary" });

const fileHeaders = z.object({
  "Content-Length": z.string(),
  "Accept-Ranges": z.literal("bytes"),
  ETag: z.string().meta({ description: "strong" }),
  "Last-Modified": z.string(),
  "Content-Disposition": z.string().meta({ description: `attachment; filename="…"; filename*=UTF-8''…` }),
  "Cache-Control": z.literal("private, no-store"),
});

/** The file's answers; HEAD documents the same without bodies. */
export const fileResponses: Record<number, ResponseConfig> = {
  200: {
    description: "The whole file; a GET counts one download (docs/CONTRACT.md §6)",
    headers: fileHeaders,
    content: { "application/octet-stream": { schema: binary } },
  },
  206: {
    description: "One byte range; counts when it starts at byte 0, else it may be a free resume",
    headers: fileHeaders.extend({ "Content-Range": z.string().meta({ description: "bytes a-b/size" }) }),
    content: { "application/octet-stream": { schema: binary } },
  },
  304: { description: "Not modified (If-None-Match / If-Modified-Since); not counted" },
};

/** Every refusal a download can meet, from the token to the origin (docs/CONTRACT.md §7). */
export const downloadErrors = [
  "bad_request",
  "auth_required",
  "invalid_token",
  "not_yet_valid",
  "limit_reached",
  "ip_not_allowed",
  "country_not_allowed",
  "device_limit_reached",
  "pending",
  "suspended",
  "forbidden",
  "not_found",
  "expired",
  "revoked",
  "precondition_failed",
  "range_not_satisfiable",
  "rate_limited",
  "origin_error",
  "origin_timeout",
  "unavailable",
] as const;

/** A customer listing's answer: the shape `/my/downloads` and `/orders/:n/downloads` share. */
export const listingResponses = {
  200: {
    description: "Each file with a freshly signed download_url (null while pending or unusable)",
    schema: downloadsListingSchema,
  },
};

/** Beyond a bad query: no credential, another customer's order, no such store or order, a store that cannot sign. */
export const listingErrors = ["auth_required", "forbidden", "not_found", "unavailable"] as const;
