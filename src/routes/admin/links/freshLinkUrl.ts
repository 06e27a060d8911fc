import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { linkBaseUrl, mintDownloadUrl } from "../../../links/mintDownloadUrl.ts";
import { externalLinkUrl } from "../externalLinks.ts";
import { linkParams } from "./linkParams.ts";
import { loadLink } from "./linkRecord.ts";
import { linkUrlSchema } from "./linkSchemas.ts";

/** A freshly signed URL for the same link ("resend my link"). */
export const freshLinkUrl = defineEndpoint({
  method: "post",
  path: "/links/:id/url",
  access: "admin",
  operationId: "freshLinkUrl",
  tags: ["Issuer: links"],
  summary: 'A freshly signed URL for the same link ("resend my link")',
  params: linkParams,
  body: "none",
  responses: { 200: { description: "The URL", schema: linkUrlSchema } },
  errors: ["not_found", "revoked"],
  async handle({ request, env, tenant, params }) {
    const row = await loadLink(env, tenant.id, params.id);
    if (row.orderStatus === "canceled") {
      throw new HttpError("revoked", "This link's order is canceled: its links stay revoked and cannot be sent again.");
    }
    if (row.link.revoked) {
      throw new HttpError(
        "revoked",
        "This link is revoked by the store: it cannot be sent again until PATCH revoked: false.",
      );
    }
    if ("claims" in row) return json(await externalLinkUrl(env, request, tenant, row));
    const { link, fileName } = row;
    const url = await mintDownloadUrl(tenant, await linkBaseUrl(env, tenant, request), {
      ...link,
      fileName: fileName ?? link.fileId,
    });
    return json({ link_id: link.id, download_url: url });
  },
});
