import { z } from "zod";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import type { LinkSnapshot } from "../../../links/linkTypes.ts";
import { linkStub } from "../../../links/linkStub.ts";
import { boundedDateTimeSchema, countSchema, secondsOf } from "../../../orders/orderSchemas.ts";
import { MAX_COUNT } from "../../../token/claims.ts";
import { linkParams } from "./linkParams.ts";
import { loadLink, respondWithState } from "./linkRecord.ts";
import { linkSchema } from "./linkSchemas.ts";

const patchLinkSchema = z
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

/** Applied by the link's Durable Object, so the very next request obeys it. */
export const patchLink = defineEndpoint({
  method: "patch",
  path: "/links/:id",
  access: "admin",
  operationId: "patchLink",
  tags: ["Issuer: links"],
  summary: "Change a link's limit, extra downloads, expiry or revocation; the next request obeys it",
  params: linkParams,
  body: patchLinkSchema,
  responses: { 200: { description: "The link as it is now", schema: linkSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params, body }) {
    const row = await loadLink(env, tenant.id, params.id);
    const stub = linkStub(env, tenant.id, params.id);
    let state = await stub.snapshot();
    assertLimitFits(body, state, row.link.downloadLimit);
    if (body.download_limit !== undefined) state = await stub.setLimit(body.download_limit);
    if (body.add_downloads !== undefined) state = await stub.addDownloads(body.add_downloads);
    if (body.expires_at !== undefined) {
      state = await stub.setExpiry(body.expires_at === null ? null : secondsOf(body.expires_at));
    }
    if (body.revoked !== undefined) state = await stub.setRevoked(body.revoked);
    return respondWithState(env, tenant.id, row, state);
  },
});

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
