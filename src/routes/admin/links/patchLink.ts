import { z } from "zod";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import type { LinkChange } from "../../../links/linkChange.ts";
import { linkStub } from "../../../links/linkStub.ts";
import { boundedDateTimeSchema, countSchema, secondsOf } from "../../../orders/orderSchemas.ts";
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
    suspended: z.boolean().optional().meta({
      description:
        "true blocks the link (403 suspended); false clears a block or a sharing flag and forgets the networks and countries seen",
    }),
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
  summary: "Change a link's limit, extra downloads, expiry, revocation or suspension; the next request obeys it",
  params: linkParams,
  body: patchLinkSchema,
  responses: { 200: { description: "The link as it is now", schema: linkSchema } },
  errors: ["not_found", "conflict"],
  async handle({ env, tenant, params, body }) {
    const row = await loadLink(env, tenant.id, params.id);
    // A canceled order revokes its links for good (its objects re-read the status): an
    // un-revoke would answer 200 and change nothing, so it is refused instead.
    if (body.revoked === false && row.orderStatus === "canceled") {
      throw new HttpError("conflict", "This link's order is canceled: its links stay revoked.", {}, [
        { path: "revoked", message: "the order is canceled" },
      ]);
    }
    const change: LinkChange = {
      limitOverride: body.download_limit,
      addDownloads: body.add_downloads,
      expiresAtOverride:
        body.expires_at === undefined ? undefined : body.expires_at === null ? null : secondsOf(body.expires_at),
      revoked: body.revoked,
      suspended: body.suspended,
    };
    // One call: the object checks the limit against its own state and applies all of it, or nothing.
    const result = await linkStub(env, tenant.id, params.id).change(change, row.link.downloadLimit);
    if (!result.ok) {
      const { fields, message } = result.breach;
      throw new HttpError(
        "bad_request",
        `Invalid input: ${message}.`,
        {},
        fields.map((path) => ({ path, message })),
      );
    }
    return respondWithState(env, tenant.id, row, result.state);
  },
});
