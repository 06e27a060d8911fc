import { and, desc, eq, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { linkColumnsOf, mirrorLinkState } from "../../db/mirrorLinkState.ts";
import { downloadEvents, files, links, orders } from "../../db/schema.ts";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { json } from "../../http/json.ts";
import { readJson, readQuery } from "../../http/readJson.ts";
import type { LinkSnapshot } from "../../links/DownloadLink.ts";
import { linkFigures } from "../../links/linkStatus.ts";
import { linkStub } from "../../links/linkStub.ts";
import { linkBaseUrl, mintDownloadUrl } from "../../links/mintDownloadUrl.ts";
import { boundedDateTimeSchema, countSchema, secondsOf } from "../../orders/orderSchemas.ts";
import { suppressedRequests, type SuppressedRequests } from "../../scanners/suppressedRequests.ts";
import type { Tenant } from "../../tenants/loadTenant.ts";
import { MAX_COUNT } from "../../token/claims.ts";
import { isoFromMs, isoFromSeconds } from "../../utils/time.ts";
import { externalLinkRow, externalLinkUrl } from "./externalLinks.ts";

export const patchLinkSchema = z
  .strictObject({
    download_limit: countSchema
      .nullable()
      .optional()
      .meta({ description: "replaces the grant's limit; null = back to the grant" }),
    add_downloads: z.number().int().min(1).max(1_000_000).optional(),
    expires_at: boundedDateTimeSchema
      .nullable()
      .optional()
      .meta({ description: "replaces the grant's expiry; null = back to the grant" }),
    revoked: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "nothing to change" })
  .meta({ id: "PatchLink" });

export const eventsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z
    .string()
    .regex(/^\d+_[A-Za-z0-9-]+$/)
    .optional(),
});

async function loadLink(env: Env, tenantId: string, linkId: string) {
  const [row] = await drizzle(env.DB)
    .select({ link: links, orderStatus: orders.status, fileName: files.name })
    .from(links)
    .innerJoin(orders, and(eq(orders.tenantId, links.tenantId), eq(orders.number, links.orderNumber)))
    .leftJoin(files, and(eq(files.tenantId, links.tenantId), eq(files.id, links.fileId)))
    .where(and(eq(links.tenantId, tenantId), eq(links.id, linkId)))
    .limit(1);
  // No row: a link the store signed itself is served from its Durable Object once seen.
  return row ?? externalLinkRow(env, tenantId, linkId);
}

/** The D1 row with the Durable Object's live state laid over it (the DO is the truth). */
function linkView(row: Awaited<ReturnType<typeof loadLink>>, state: LinkSnapshot, suppressed: SuppressedRequests) {
  const live = { ...row.link, ...linkColumnsOf(state) };
  const figures = linkFigures(live, row.orderStatus);
  return {
    id: live.id,
    order_number: live.orderNumber,
    item_id: live.itemId,
    file_id: live.fileId,
    customer_id: live.customerId,
    status: figures.status,
    download_count: live.downloadCount,
    download_limit: figures.limit,
    remaining_downloads: figures.remaining,
    expires_at: isoFromSeconds(figures.expiresAt),
    is_expired: figures.isExpired,
    revoked: live.revoked,
    ip_restriction: live.ipRestriction ? (JSON.parse(live.ipRestriction) as string[]) : null,
    device_limit: live.deviceLimit,
    devices_used: state.deviceCount,
    require_login: live.requireLogin,
    last_download_at: isoFromMs(live.lastDownloadAt),
    grant: { download_limit: live.downloadLimit, expires_at: isoFromSeconds(live.expiresAt) },
    suppressed,
  };
}

async function respondWithState(
  env: Env,
  tenantId: string,
  row: Awaited<ReturnType<typeof loadLink>>,
  state: LinkSnapshot,
) {
  // Mirror at once so listings agree with the answer; the version guard keeps it monotonic.
  await mirrorLinkState(drizzle(env.DB), { tenantId, linkId: row.link.id, state });
  return json(linkView(row, state, await suppressedRequests(env.DB, tenantId, row.link.id)));
}

export async function getLink(env: Env, tenant: Tenant, linkId: string): Promise<Response> {
  const row = await loadLink(env, tenant.id, linkId);
  const [state, suppressed] = await Promise.all([
    linkStub(env, tenant.id, linkId).snapshot(),
    suppressedRequests(env.DB, tenant.id, linkId),
  ]);
  return json(linkView(row, state, suppressed));
}

/** `PATCH /admin/v1/links/:id`: applied by the link's Durable Object, so the very next request obeys it. */
export async function patchLink(request: Request, env: Env, tenant: Tenant, linkId: string): Promise<Response> {
  const row = await loadLink(env, tenant.id, linkId);
  const body = await readJson(request, patchLinkSchema);
  const stub = linkStub(env, tenant.id, linkId);
  let state = await stub.snapshot();
  assertLimitFits(body, state, row.link.downloadLimit);
  if (body.download_limit !== undefined) state = await stub.setLimit(body.download_limit);
  if (body.add_downloads !== undefined) state = await stub.addDownloads(body.add_downloads);
  if (body.expires_at !== undefined) {
    state = await stub.setExpiry(body.expires_at === null ? null : secondsOf(body.expires_at));
  }
  if (body.revoked !== undefined) state = await stub.setRevoked(body.revoked);
  return respondWithState(env, tenant.id, row, state);
}

/**
 * The limit in force is the override (else the grant) plus the extra downloads, and like the
 * token's `lim` it stays at most 2^31 − 1 (MAX_COUNT). A change that would take it past is
 * refused, naming the fields given, rather than clamped: the store learns that its number was
 * not applied. On an unlimited link extra downloads count from the smallest limit, 1, so any
 * limit set later still fits or is refused itself.
 */
function assertLimitFits(
  body: z.infer<typeof patchLinkSchema>,
  state: Pick<LinkSnapshot, "limitOverride" | "extraDownloads">,
  grantLimit: number | null,
): void {
  const fields = (["download_limit", "add_downloads"] as const).filter((field) => body[field] !== undefined);
  // Revoking or extending a link (even one over the bound from before it) is never refused for it.
  if (fields.length === 0) return;
  // `download_limit: null` drops the override: the grant's limit is in force again.
  const override = body.download_limit !== undefined ? body.download_limit : state.limitOverride;
  const base = override ?? grantLimit;
  const extra = state.extraDownloads + (body.add_downloads ?? 0);
  const limit = (base ?? 1) + extra;
  if (limit <= MAX_COUNT) return;
  const message =
    base === null
      ? `extra downloads (${extra}) would leave no room for a limit of 1 within ${MAX_COUNT}`
      : `the limit in force (${base} + ${extra} extra downloads = ${limit}) may be at most ${MAX_COUNT}`;
  throw new HttpError(
    "bad_request",
    `Invalid input: ${message}.`,
    {},
    fields.map((path) => ({ path, message })),
  );
}

/** `POST /admin/v1/links/:id/reset`: count, devices and resume history start over. */
export async function resetLink(env: Env, tenant: Tenant, linkId: string): Promise<Response> {
  const row = await loadLink(env, tenant.id, linkId);
  return respondWithState(env, tenant.id, row, await linkStub(env, tenant.id, linkId).reset());
}

/** `POST /admin/v1/links/:id/url`: a freshly signed URL for the same link ("resend my link"). */
export async function freshLinkUrl(request: Request, env: Env, tenant: Tenant, linkId: string): Promise<Response> {
  const row = await loadLink(env, tenant.id, linkId);
  if (row.link.revoked || row.orderStatus === "canceled") {
    throw new HttpError(
      "revoked",
      "This link is revoked (by the store, or with its order): it cannot be sent again until PATCH revoked: false.",
    );
  }
  if ("claims" in row) return json(await externalLinkUrl(request, tenant, row));
  const { link, fileName } = row;
  const url = await mintDownloadUrl(tenant, linkBaseUrl(tenant, request), {
    ...link,
    fileName: fileName ?? link.fileId,
  });
  return json({ link_id: link.id, download_url: url });
}

/** `GET /admin/v1/links/:id/events?limit=&cursor=`: the download log, newest first, keyset-paginated. */
export async function linkEvents(request: Request, env: Env, tenant: Tenant, linkId: string): Promise<Response> {
  await loadLink(env, tenant.id, linkId);
  const query = readQuery(request, eventsQuerySchema);
  let after = undefined;
  if (query.cursor) {
    const [at, id] = query.cursor.split("_") as [string, string];
    after = or(lt(downloadEvents.at, Number(at)), and(eq(downloadEvents.at, Number(at)), lt(downloadEvents.id, id)));
  }
  const rows = await drizzle(env.DB)
    .select()
    .from(downloadEvents)
    .where(and(eq(downloadEvents.tenantId, tenant.id), eq(downloadEvents.linkId, linkId), after))
    .orderBy(desc(downloadEvents.at), desc(downloadEvents.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return json({
    data: page.map((e) => ({
      id: e.id,
      at: isoFromMs(e.at),
      ip: e.ip,
      user_agent: e.userAgent,
      country: e.country,
      range: e.range,
      status: e.status,
      bytes: e.bytes,
      bytes_sent: e.bytesSent,
      outcome: e.outcome,
      counted: e.counted,
      reason: e.reason,
      device: e.device,
      error: e.error,
    })),
    next_cursor: rows.length > query.limit && last ? `${last.at}_${last.id}` : null,
  });
}
