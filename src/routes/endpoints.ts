import type { Endpoint } from "../http/endpoint.ts";
import { freshLinkUrl } from "./admin/links/freshLinkUrl.ts";
import { getLink } from "./admin/links/getLink.ts";
import { linkEvents } from "./admin/links/linkEvents.ts";
import { patchLink } from "./admin/links/patchLink.ts";
import { resetLink } from "./admin/links/resetLink.ts";
import { holdOrder } from "./admin/orders/holdOrder.ts";
import { releaseOrder } from "./admin/orders/releaseOrder.ts";

/**
 * Every endpoint of the gateway, in one list per group: src/router.ts mounts them and
 * src/routes/openapi.ts documents them, so what is served and what is documented are one.
 */

/** The issuer API under `/admin/v1`, for a tenant's admin key (docs/CONTRACT.md §9). */
export const adminEndpoints: readonly Endpoint[] = [
  getLink,
  patchLink,
  resetLink,
  freshLinkUrl,
  linkEvents,
  holdOrder,
  releaseOrder,
];
