import { z } from "zod";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import type { LinkChange } from "../../../links/linkChange.ts";
import { linkStub } from "../../../links/linkStub.ts";
import { boundedDateTimeSchema, countSchema, secondsOf } from "../../../orders/orderSchemas.ts";
import { linkParams } from "./linkParams.ts";
import { changeLink, orderStatusOf } from "./linkRecord.ts";
import { linkSchema } from "./linkSchemas.ts";

const patchLinkSchema = z
  .strictObject({
    download_limit: countSchema
      .nullable()
      .optional()
      .meta({ description: "replaces the grant's limit; null = back to the grant" }),
    add_downloads: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .meta({
        description:
          "added to the limit in force; refused (400) on a link without a limit, which set download_limit instead. " +
          "A change that leaves the link without a limit drops the extra downloads",
      }),
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

function orderCanceled(): HttpError {
  return new HttpError("conflict", "This link's order is canceled: its links stay revoked.", {}, [
    { path: "revoked", message: "the order is canceled" },
  ]);
}

/**
 * An un-revoke checked the order before it reached the link's object; a cancel may have
 * landed in between and revoked the object first, which the un-revoke would then undo for
 * good (a paid order's objects no longer read D1). The cancel writes `canceled` to D1
 * before it tells the objects (cancelOrder.ts), so reading the status again after the
 * un-revoke catches every such cancel: either it is visible now, or its revoke reaches
 * the object after ours. When the status cannot be read, the link is revoked again and
 * the store asked to retry: an un-revoke is safe to repeat.
 */
async function keepCanceledRevoked(
  link: ReturnType<typeof linkStub>,
  readOrderStatus: () => Promise<string | null>,
): Promise<void> {
  let status: string | null;
  try {
    status = await readOrderStatus();
  } catch (error) {
    await link.setRevoked(true);
    throw error;
  }
  if (status === "canceled") {
    await link.setRevoked(true);
    throw orderCanceled();
  }
}

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
  async handle({ env, ctx, tenant, params, body }) {
    const change: LinkChange = {
      limitOverride: body.download_limit,
      addDownloads: body.add_downloads,
      expiresAtOverride:
        body.expires_at === undefined ? undefined : body.expires_at === null ? null : secondsOf(body.expires_at),
      revoked: body.revoked,
      suspended: body.suspended,
    };
    return changeLink(env, ctx, tenant.id, params.id, async (row) => {
      // A canceled order revokes its links for good (its objects re-read the status): an
      // un-revoke would answer 200 and change nothing, so it is refused instead.
      if (body.revoked === false && row.orderStatus === "canceled") throw orderCanceled();
      const link = linkStub(env, tenant.id, params.id);
      // One call: the object checks the limit against its own state and applies all of it, or
      // nothing. A link the store signed itself has its grant in the claims its object
      // remembers, which a newer token may replace meanwhile: the object reads them itself.
      const result = await ("claims" in row ? link.change(change) : link.change(change, row.link.downloadLimit));
      if (!result.ok) {
        const { fields, message } = result.breach;
        throw new HttpError(
          "bad_request",
          `Invalid input: ${message}.`,
          {},
          fields.map((path) => ({ path, message })),
        );
      }
      if (body.revoked === false) await keepCanceledRevoked(link, () => orderStatusOf(env, tenant.id, row));
      return result.state;
    });
  },
});
