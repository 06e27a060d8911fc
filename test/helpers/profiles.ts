/**
 * Helpers for the compatibility-profile tests: tenants with profiles enabled, files that
 * exist only as listing rows, link figures set straight in D1, and "download, then let
 * the link's Durable Object mirror its count" in one step. Every helper makes fresh ids.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { linkStub } from "../../src/links/linkStub.ts";
import type { ProfileName } from "../../src/tenants/tenantSettings.ts";
import type { SettingsInput } from "./answers.ts";
import { uid, type TestTenant } from "./fixtures.ts";
import { createTenantWithAdminKey, fetchUrl, tokenOf, type IssuerTenant } from "./issuer.ts";

/** The storefront key of seed 001's own cURL example. */
export const STOREFRONT_KEY = "pk_storefront_your_key_here";

/** A tenant with an admin key, a customer secret, `profiles` enabled and seed 001's storefront key. */
export function profileTenant(profiles: ProfileName[], settings: SettingsInput = {}): Promise<IssuerTenant> {
  return createTenantWithAdminKey({ settings: { profiles, storefront_key: STOREFRONT_KEY, ...settings } });
}

/** A file row in D1 only (no bytes in R2): enough for listings, which never read R2. */
export async function insertListedFile(
  tenant: TestTenant,
  file: { id?: string; name: string; size: number | null; source?: "r2" | "url" },
): Promise<string> {
  const id = file.id ?? uid("f");
  const source = file.source ?? "r2";
  await env.DB.prepare(
    "INSERT INTO files (tenant_id, id, name, size, mime_type, source, origin_url) VALUES (?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(
      tenant.id,
      id,
      file.name,
      file.size,
      "application/pdf",
      source,
      source === "url" ? `https://origin.example/files/${id}.pdf` : null,
    )
    .run();
  return id;
}

/** Sets a link's D1 listing figures directly, as a store's own bookkeeping would (e.g. canceled downloads). */
export async function setLinkFigures(
  tenantId: string,
  linkId: string,
  figures: { download_count?: number; canceled_count?: number; expires_at?: number | null },
): Promise<void> {
  const entries = Object.entries(figures);
  const assignments = entries.map(([column]) => `${column} = ?`).join(", ");
  await env.DB.prepare(`UPDATE links SET ${assignments} WHERE tenant_id = ? AND id = ?`)
    .bind(...entries.map(([, value]) => value), tenantId, linkId)
    .run();
}

/** The link id a gateway download URL is signed for. */
export function linkIdOf(url: string): string {
  const lid = tokenOf(url).claims.lid;
  if (typeof lid !== "string") throw new Error(`no link id in ${url}`);
  return lid;
}

/**
 * Downloads a listed URL to the end, then runs the link's Durable Object alarm, which
 * mirrors its count to D1 (what listings read). Returns the download's status.
 */
export async function downloadAndMirror(tenantId: string, url: string, init: RequestInit = {}): Promise<number> {
  const response = await fetchUrl(url, init);
  await response.arrayBuffer();
  const ran = await runDurableObjectAlarm(linkStub(env, tenantId, linkIdOf(url)));
  expect(ran, "the download scheduled the mirror alarm").toBe(true);
  return response.status;
}

/** A client address no other test uses, so rate-limit budgets never leak between tests. */
export function freshClientIp(): string {
  const [a, b] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${(a ?? 0).toString(16)}:${(b ?? 0).toString(16)}::1`;
}

/**
 * The Worker's outbound fetches (pull-through, origin proxy) answered by `handler`;
 * returns the URLs it was asked for. Undo with `vi.restoreAllMocks()`.
 */
export function mockOrigin(handler: (request: Request) => Response | Promise<Response>): string[] {
  const asked: string[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    asked.push(request.url);
    return handler(request);
  });
  return asked;
}

/** Sorted keys of a JSON object, for "exactly these fields" assertions. */
export function keysOf(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
  return Object.keys(value).sort();
}
