import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { documentEndpoints } from "../http/endpoint.ts";
import { errorSchema } from "../http/errorSchema.ts";
import { ERROR_STATUS, type ErrorCode } from "../http/HttpError.ts";
import { MAX_JSON_BYTES } from "../http/readJson.ts";
import { createOrderSchema, fileIdSchema, newOrderNumberSchema, orderViewSchema } from "../orders/orderSchemas.ts";
import {
  adminKeyListSchema,
  adminKeySchema,
  createAdminKeySchema,
  createdTenantSchema,
  createSigningKeySchema,
  createTenantSchema,
  fileSchema,
  kidSchema,
  signingKeyListSchema,
  signingKeySchema,
  tenantIdSchema,
  tenantListSchema,
  tenantSchema,
  updateTenantSchema,
  uploadedPartSchema,
  uploadStartedSchema,
} from "./admin/adminSchemas.ts";
import {
  completeUploadSchema,
  MAX_SINGLE_UPLOAD_BYTES,
  registerFileSchema,
  uploadQuerySchema,
} from "./admin/filesApi.ts";
import { tenantPrefix } from "./customer/customerSchemas.ts";
import { adminEndpoints, customerEndpoints, profileEndpoints, serviceEndpoints } from "./endpoints.ts";

/** Where the issuer API lives (src/routes/admin/adminRouter.ts). */
export const ADMIN_BASE = "/admin/v1";

type Responses = RouteConfig["responses"];

const errorContent = {
  "application/json": { schema: errorSchema },
  "text/html": { schema: z.string().meta({ description: "A small HTML page, when `Accept` prefers text/html" }) },
};

/** Error answers (docs/CONTRACT.md §7) grouped by status; each status lists its codes. */
function errors(...codes: ErrorCode[]): Responses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), { description: list.join(", "), content: errorContent }]),
  );
}

function json(description: string, schema: z.ZodType) {
  return { description, content: { "application/json": { schema } } };
}

function jsonBody(schema: z.ZodType, description?: string) {
  return { required: true, ...(description ? { description } : {}), content: { "application/json": { schema } } };
}

const binary = z.string().meta({ format: "binary" });
const noContent = { description: "Done; no body" };

/**
 * `/openapi.json`, generated from the same zod schemas the routes validate with (request
 * bodies, queries, ids), so the document cannot drift from the code. Every route of
 * src/router.ts and src/routes/admin/adminRouter.ts is here; test/integration/openapi.test.ts
 * checks that and validates real answers against the response schemas.
 */
function buildDocument() {
  const registry = new OpenAPIRegistry();

  registry.registerComponent("securitySchemes", "adminKey", {
    type: "http",
    scheme: "bearer",
    description:
      "A tenant's admin API key (`dlgk_<id>_<secret>`). It only ever sees and changes its own tenant's data.",
  });
  registry.registerComponent("securitySchemes", "operatorSecret", {
    type: "http",
    scheme: "bearer",
    description: "The deployment's OPERATOR_SECRET (a Worker secret). Tenant management only.",
  });
  registry.registerComponent("securitySchemes", "customerToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "The storefront's customer JWT (subject = customer id), docs/CONTRACT.md §8. A tenant may also accept it from a " +
      "cookie it names, or resolve the customer by forwarding the request's cookies to its auth_url. Cookies " +
      "count only on the tenant's own host; under /api/{tenant} on a shared host only this bearer token does.",
  });

  const adminSecurity = [{ adminKey: [] }];
  const operatorSecurity = [{ operatorSecret: [] }];
  const adminErrors = (...codes: ErrorCode[]) => errors("auth_required", ...codes);
  const operatorErrors = (...codes: ErrorCode[]) => errors("auth_required", "forbidden", ...codes);
  const bodyErrors: ErrorCode[] = ["bad_request", "payload_too_large"];

  // --- Customer-facing routes, bare and under /api/{tenant}, and the service routes ------

  documentEndpoints(registry, customerEndpoints, { tenantPrefix });
  documentEndpoints(registry, serviceEndpoints);

  // --- Operator scope: /admin/v1/tenants -------------------------------------------------

  const tenantParams = z.object({ id: tenantIdSchema });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/tenants`,
    operationId: "createTenant",
    tags: ["Operator"],
    summary: "Create a tenant with its first admin key and HS256 signing key (secrets shown once)",
    security: operatorSecurity,
    request: { body: jsonBody(createTenantSchema) },
    responses: { 201: json("Created", createdTenantSchema), ...operatorErrors(...bodyErrors) },
  });
  registry.registerPath({
    method: "get",
    path: `${ADMIN_BASE}/tenants`,
    operationId: "listTenants",
    tags: ["Operator"],
    summary: "Every tenant",
    security: operatorSecurity,
    responses: { 200: json("The tenants, by id", tenantListSchema), ...operatorErrors() },
  });
  registry.registerPath({
    method: "get",
    path: `${ADMIN_BASE}/tenants/{id}`,
    operationId: "getTenant",
    tags: ["Operator"],
    summary: "One tenant",
    security: operatorSecurity,
    request: { params: tenantParams },
    responses: { 200: json("The tenant", tenantSchema), ...operatorErrors("not_found") },
  });
  registry.registerPath({
    method: "patch",
    path: `${ADMIN_BASE}/tenants/{id}`,
    operationId: "updateTenant",
    tags: ["Operator"],
    summary: "Change a tenant: hosts are replaced as a whole, settings merged",
    security: operatorSecurity,
    request: { params: tenantParams, body: jsonBody(updateTenantSchema) },
    responses: { 200: json("The tenant as it is now", tenantSchema), ...operatorErrors("not_found", ...bodyErrors) },
  });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/tenants/{id}/admin-keys`,
    operationId: "issueTenantAdminKey",
    tags: ["Operator"],
    summary: "Issue an admin API key for a tenant (the key is shown once)",
    security: operatorSecurity,
    request: { params: tenantParams, body: jsonBody(createAdminKeySchema) },
    responses: { 201: json("Created", adminKeySchema), ...operatorErrors("not_found", ...bodyErrors) },
  });

  // --- Issuer API, tenant scope: files ----------------------------------------------------

  const fileParams = z.object({ fileId: fileIdSchema });
  const uploadParams = fileParams.extend({ uploadId: z.string().meta({ description: "From the start call" }) });
  const uploadQuery = uploadQuerySchema;
  const uploadHeaders = z.object({
    "X-File-Name": z.string().optional().meta({ description: "File name, percent-encoded UTF-8 allowed" }),
    "Content-Type": z.string().optional().meta({ description: "Stored MIME type; else from the name" }),
  });
  const sized = z.object({
    "Content-Length": z.string().meta({ description: `Required; at most ${MAX_SINGLE_UPLOAD_BYTES} bytes` }),
  });

  registry.registerPath({
    method: "put",
    path: `${ADMIN_BASE}/files/{fileId}`,
    operationId: "uploadFile",
    tags: ["Issuer: files"],
    summary: "Upload a file (streamed to R2; size and SHA-256 recorded). Larger files: multipart upload",
    security: adminSecurity,
    request: {
      params: fileParams,
      query: uploadQuery,
      headers: uploadHeaders.extend(sized.shape),
      body: { required: true, content: { "application/octet-stream": { schema: binary } } },
    },
    responses: { 201: json("Stored", fileSchema), ...adminErrors("bad_request", "payload_too_large") },
  });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/files/{fileId}`,
    operationId: "registerFile",
    tags: ["Issuer: files"],
    summary: "Register a pull-through file: fetched from source_url into R2 on its first download",
    security: adminSecurity,
    request: { params: fileParams, body: jsonBody(registerFileSchema) },
    responses: { 201: json("Registered", fileSchema), ...adminErrors(...bodyErrors) },
  });
  registry.registerPath({
    method: "get",
    path: `${ADMIN_BASE}/files/{fileId}`,
    operationId: "getFile",
    tags: ["Issuer: files"],
    summary: "One file",
    security: adminSecurity,
    request: { params: fileParams },
    responses: { 200: json("The file", fileSchema), ...adminErrors("bad_request", "not_found") },
  });
  registry.registerPath({
    method: "delete",
    path: `${ADMIN_BASE}/files/{fileId}`,
    operationId: "deleteFile",
    tags: ["Issuer: files"],
    summary: "Delete a file's bytes and record; its links then answer 404",
    security: adminSecurity,
    request: { params: fileParams },
    responses: { 204: noContent, ...adminErrors("bad_request", "not_found") },
  });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/files/{fileId}/uploads`,
    operationId: "startUpload",
    tags: ["Issuer: files"],
    summary: "Start a multipart upload (parts of at least 5 MiB except the last, up to 10,000)",
    security: adminSecurity,
    request: { params: fileParams, query: uploadQuery, headers: uploadHeaders },
    responses: { 201: json("Started", uploadStartedSchema), ...adminErrors("bad_request") },
  });
  registry.registerPath({
    method: "put",
    path: `${ADMIN_BASE}/files/{fileId}/uploads/{uploadId}/parts/{n}`,
    operationId: "uploadPart",
    tags: ["Issuer: files"],
    summary: "Upload one part",
    security: adminSecurity,
    request: {
      params: uploadParams.extend({
        n: z.coerce.number().int().min(1).max(10000).meta({ description: "Part number" }),
      }),
      headers: sized,
      body: { required: true, content: { "application/octet-stream": { schema: binary } } },
    },
    responses: { 200: json("Stored part", uploadedPartSchema), ...adminErrors("bad_request", "payload_too_large") },
  });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/files/{fileId}/uploads/{uploadId}/complete`,
    operationId: "completeUpload",
    tags: ["Issuer: files"],
    summary: "Complete a multipart upload",
    security: adminSecurity,
    request: { params: uploadParams, body: jsonBody(completeUploadSchema) },
    responses: { 201: json("Stored", fileSchema), ...adminErrors(...bodyErrors) },
  });
  registry.registerPath({
    method: "delete",
    path: `${ADMIN_BASE}/files/{fileId}/uploads/{uploadId}`,
    operationId: "abortUpload",
    tags: ["Issuer: files"],
    summary: "Abort a multipart upload",
    security: adminSecurity,
    request: { params: uploadParams },
    responses: { 204: noContent, ...adminErrors("bad_request") },
  });

  // --- Orders ------------------------------------------------------------------------------

  const orderParams = z.object({ number: newOrderNumberSchema });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/orders`,
    operationId: "createOrder",
    tags: ["Issuer: orders"],
    summary: "Create an order with its items and one signed link per item × file",
    description:
      "All or nothing. Idempotent on order_number: a repeat with the same customer_id and items (products, " +
      "file ids, grants) answers 200 with the existing order and fresh URLs; the same number with a different " +
      "customer or items is 409 conflict and reveals nothing of the existing order. This holds under " +
      "concurrency: of simultaneous requests exactly one creates the order. Unknown or misplaced fields are " +
      "400 bad_request naming them (e.g. download_limit belongs in items[].grant). " +
      `Bodies are limited to ${MAX_JSON_BYTES} bytes.`,
    security: adminSecurity,
    request: { body: jsonBody(createOrderSchema) },
    responses: {
      200: json("The order existed already with the same customer and items; nothing changed", orderViewSchema),
      201: json("Created", orderViewSchema),
      ...adminErrors(...bodyErrors, "conflict"),
    },
  });
  registry.registerPath({
    method: "get",
    path: `${ADMIN_BASE}/orders/{number}`,
    operationId: "getOrder",
    tags: ["Issuer: orders"],
    summary: "One order, with freshly signed URLs",
    security: adminSecurity,
    request: { params: orderParams },
    responses: { 200: json("The order", orderViewSchema), ...adminErrors("bad_request", "not_found") },
  });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/orders/{number}/complete`,
    operationId: "completeOrder",
    tags: ["Issuer: orders"],
    summary: "Pending → complete: the order's links open",
    security: adminSecurity,
    request: { params: orderParams },
    responses: { 200: json("The order", orderViewSchema), ...adminErrors("bad_request", "not_found") },
  });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/orders/{number}/cancel`,
    operationId: "cancelOrder",
    tags: ["Issuer: orders"],
    summary: "Cancel an order: every link of it is revoked at once",
    security: adminSecurity,
    request: { params: orderParams },
    responses: { 200: json("The order", orderViewSchema), ...adminErrors("bad_request", "not_found") },
  });

  documentEndpoints(registry, adminEndpoints, { base: ADMIN_BASE });

  // --- Signing keys and admin keys ---------------------------------------------------------

  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/keys`,
    operationId: "createSigningKey",
    tags: ["Issuer: keys"],
    summary: "A new HS256 key (its secret is in this answer only) or a registered Ed25519 public key",
    description:
      "The gateway generates every HS256 secret (32 random bytes); a `secret` in the body is refused (400), " +
      "since a chosen or reused secret would make every link signed with it forgeable.",
    security: adminSecurity,
    request: { body: jsonBody(createSigningKeySchema) },
    responses: { 201: json("Created", signingKeySchema), ...adminErrors(...bodyErrors) },
  });
  registry.registerPath({
    method: "get",
    path: `${ADMIN_BASE}/keys`,
    operationId: "listSigningKeys",
    tags: ["Issuer: keys"],
    summary: "The tenant's signing keys, active and retired (never their secrets)",
    security: adminSecurity,
    responses: { 200: json("The keys, oldest first", signingKeyListSchema), ...adminErrors() },
  });
  registry.registerPath({
    method: "delete",
    path: `${ADMIN_BASE}/keys/{kid}`,
    operationId: "retireSigningKey",
    tags: ["Issuer: keys"],
    summary: "Retire a signing key: links signed with it stop verifying (everywhere within 30 s)",
    security: adminSecurity,
    request: { params: z.object({ kid: kidSchema }) },
    responses: { 200: json("The retired key", signingKeySchema), ...adminErrors("not_found") },
  });
  registry.registerPath({
    method: "post",
    path: `${ADMIN_BASE}/admin-keys`,
    operationId: "createAdminKey",
    tags: ["Issuer: keys"],
    summary: "A new admin API key for the same tenant (the key is in this answer only)",
    security: adminSecurity,
    request: { body: jsonBody(createAdminKeySchema) },
    responses: { 201: json("Created", adminKeySchema), ...adminErrors(...bodyErrors) },
  });
  registry.registerPath({
    method: "get",
    path: `${ADMIN_BASE}/admin-keys`,
    operationId: "listAdminKeys",
    tags: ["Issuer: keys"],
    summary: "The tenant's admin API keys (ids and names, never the keys)",
    security: adminSecurity,
    responses: { 200: json("The keys, oldest first", adminKeyListSchema), ...adminErrors() },
  });
  registry.registerPath({
    method: "delete",
    path: `${ADMIN_BASE}/admin-keys/{id}`,
    operationId: "revokeAdminKey",
    tags: ["Issuer: keys"],
    summary: "Revoke an admin API key",
    security: adminSecurity,
    request: { params: z.object({ id: z.string().meta({ description: "The key's id (its public prefix)" }) }) },
    responses: { 200: json("The revoked key", adminKeySchema), ...adminErrors("not_found") },
  });

  // --- Compatibility profiles (src/profiles/): shapes are their systems', see docs/PROFILES.md

  documentEndpoints(registry, profileEndpoints);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "dlgate",
      version: "0.1.0",
      description:
        "Edge gateway for paid digital downloads. Contract: docs/CONTRACT.md; token format: docs/TOKEN.md; as a page: /docs. " +
        "Every error is JSON `{error, message}` (plus `details` for bad_request), or a small HTML page when " +
        "`Accept` prefers text/html. Issuer API input is strict: an unknown or misplaced field in a body, in " +
        "settings or in a query string is 400 bad_request, each `details` entry naming the field (`path`), why " +
        '(`message`, e.g. "unknown field here; it belongs in grant") and, when it can tell, the field meant ' +
        "(`suggestion`). Text that ends in a header or a file name may not contain control characters.",
    },
    tags: [
      { name: "Downloads", description: "Signed download links (docs/CONTRACT.md §3–§6)" },
      { name: "Listings", description: "For storefront front ends (docs/CONTRACT.md §8)" },
      { name: "Tenant from the Host", description: "The tenant is the Host header's" },
      { name: "Tenant in the path", description: "The same routes with the tenant in the path" },
      { name: "Operator", description: "Deployment operator: tenants and their first credentials" },
      { name: "Issuer: files", description: "Issuer API (Bearer admin key)" },
      { name: "Issuer: orders", description: "Issuer API (Bearer admin key)" },
      { name: "Issuer: links", description: "Issuer API (Bearer admin key)" },
      { name: "Issuer: keys", description: "Issuer API (Bearer admin key)" },
      { name: "Service", description: "Liveness and this document" },
    ],
  });
}

let cached: ReturnType<typeof buildDocument> | undefined;

export function openApiDocument(): ReturnType<typeof buildDocument> {
  cached ??= buildDocument();
  return cached;
}
