/**
 * Helpers for the `storefront-digitals` (seed 003) and `merchello-downloads` (seed 004)
 * profile tests: stores with the profile enabled, their paths, customer credentials.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { linkStub } from "../../src/links/linkStub.ts";
import type { SettingsInput } from "./answers.ts";
import { createTenant, gateway, type TestTenant } from "./fixtures.ts";
import { createTenantWithAdminKey, customerToken, type IssuerTenant } from "./issuer.ts";

/** Seed 003's content types, with the extensions that must map to each (files stored without a type). */
export const DIGITALS_CONTENT_TYPES: [extension: string, type: string][] = [
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["gif", "image/gif"],
  ["svg", "image/svg+xml"],
  ["bmp", "image/bmp"],
  ["tif", "image/tiff"],
  ["tiff", "image/tiff"],
  ["png", "image/png"],
  ["mpeg", "video/mpeg"],
  ["mpg", "video/mpeg"],
  ["gz", "application/gzip"],
  ["zip", "application/zip"],
  ["pdf", "application/pdf"],
  ["woff", "font/woff"],
  ["woff2", "font/woff2"],
  ["otf", "font/otf"],
  ["ttf", "font/ttf"],
  ["txt", "text/plain"],
];

/** Seed 004's extension → content type table ("Other" → octet-stream). */
export const MERCHELLO_CONTENT_TYPES: [extension: string, type: string][] = [
  ["pdf", "application/pdf"],
  ["zip", "application/zip"],
  ["mp3", "audio/mpeg"],
  ["mp4", "video/mp4"],
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["png", "image/png"],
  ["gif", "image/gif"],
  ["doc", "application/msword"],
  ["docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["xls", "application/vnd.ms-excel"],
  ["xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ["epub", "application/epub+zip"],
  ["mobi", "application/x-mobipocket-ebook"],
  ["bin", "application/octet-stream"],
];

/** The media type of a response without parameters (`text/plain; charset=utf-8` → `text/plain`). */
export function mediaType(response: Response): string | undefined {
  return response.headers.get("Content-Type")?.split(";")[0]?.trim();
}

// ---- storefront-digitals (seed 003) ----

/** The seed's 403 body, byte for byte as its example shows it. */
export const DIGITALS_FORBIDDEN = { error: "You are not authorized to access this page." };

/** A tenant with `storefront-digitals` enabled (plus `settings`). */
export function digitalsStore(settings: SettingsInput = {}): Promise<TestTenant> {
  return createTenant({ settings: { profiles: ["storefront-digitals"], ...settings } });
}

export function digitalsPath(token: string): string {
  return `/api/v2/storefront/digitals/${token}`;
}

/** A request for a digital asset on the tenant's host. */
export function getDigital(tenant: TestTenant, token: string, init: RequestInit = {}): Promise<Response> {
  return gateway(tenant, digitalsPath(token), init);
}

/** Asserts the seed's 403: status, exact content type and exact body. */
export async function expectDigitalsForbidden(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get("Content-Type")).toBe("application/vnd.api+json");
  expect(await response.json()).toEqual(DIGITALS_FORBIDDEN);
}

// ---- merchello-downloads (seed 004) ----

export const MERCHELLO_BASE = "/api/merchello/downloads";
/** The cookie the test stores name for their customer JWT (browsers send it with `credentials: 'include'`). */
export const MEMBER_COOKIE = "member_token";

/** A tenant with `merchello-downloads` enabled, an admin key and a customer-token secret (JWT, bearer or cookie). */
export function merchelloStore(settings: SettingsInput = {}): Promise<IssuerTenant> {
  return createTenantWithAdminKey({
    settings: {
      profiles: ["merchello-downloads"],
      customer_auth: { mode: "jwt", cookie: MEMBER_COOKIE },
      ...settings,
    },
  });
}

/** Headers of a request signed in as `customer` (Bearer JWT), from `ip`. */
export async function signedIn(
  tenant: IssuerTenant,
  customer: string,
  ip = "203.0.113.10",
): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await customerToken(tenant, customer)}`, "CF-Connecting-IP": ip };
}

/** GET `/api/merchello/downloads<path>` on the tenant's host. */
export function merchelloGet(tenant: TestTenant, path: string, headers: HeadersInit = {}): Promise<Response> {
  return gateway(tenant, `${MERCHELLO_BASE}${path}`, { headers });
}

/** Runs the link's pending flush, so its D1 row (what listings read) has the Durable Object's count. */
export async function flushLink(tenantId: string, linkId: string): Promise<void> {
  await runDurableObjectAlarm(linkStub(env, tenantId, linkId));
}

/** The seed's date format: ISO 8601 UTC to the second. */
export const SEED_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
