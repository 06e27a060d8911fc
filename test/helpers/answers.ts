/**
 * The gateway's answers as the source declares them: inferred from the zod schemas that
 * `/openapi.json` is built from, so a field renamed there breaks the tests that read it at
 * compile time instead of leaving a stale copy here. Types only: importing this file loads
 * nothing, so the workerd helpers and the Node-side tiers (test/e2e, test/browser) share it.
 */
import type { z } from "zod";
import type { errorSchema } from "../../src/http/errorSchema.ts";
import type { DownloadsListing, OrderView } from "../../src/orders/orderSchemas.ts";
import type { fileSchema } from "../../src/routes/admin/files/fileSchemas.ts";
import type { downloadEventsPageSchema, linkSchema } from "../../src/routes/admin/links/linkSchemas.ts";
import type { createdTenantSchema } from "../../src/routes/admin/tenants/tenantSchemas.ts";
import type { tenantSettingsSchema } from "../../src/tenants/tenantSettings.ts";

export type { DownloadsListing, OrderView };
export type { DownloadInfo } from "../../src/routes/schemas.ts";
/** A download token's claims (`lid`, `fid`, `lim`, …). */
export type { Claims } from "../../src/token/claims.ts";

/**
 * Tenant settings as the operator API accepts them (defaults optional), so a misspelt
 * setting in a test fails to compile instead of being dropped by the tolerant read.
 */
export type SettingsInput = z.input<typeof tenantSettingsSchema>;

/** docs/CONTRACT.md §7: every error answer's body. */
export type ErrorBody = z.infer<typeof errorSchema>;

/** One entry of a `bad_request` answer's `details`: the field, why, and the field probably meant. */
export type ErrorDetail = NonNullable<ErrorBody["details"]>[number];

/** A file as `PUT /admin/v1/files/:id` and the file endpoints show it. */
export type FileView = z.infer<typeof fileSchema>;

/** `POST /admin/v1/tenants` (and `dlgate tenant create`): the tenant, its first admin and signing key. */
export type CreatedTenant = z.infer<typeof createdTenantSchema>;

/** `GET /admin/v1/links/:id` and the other link endpoints' view of one link. */
export type LinkView = z.infer<typeof linkSchema>;

/** `GET /admin/v1/links/:id/events`: a page of the link's download log, newest first. */
export type DownloadEventsPage = z.infer<typeof downloadEventsPageSchema>;

export type OrderItemView = OrderView["items"][number];

/** One file of an order item: its link's figures and a freshly signed URL. */
export type FileEntry = OrderItemView["files"][number];

/** One entry of a "my downloads" listing (`GET /my/downloads`, the digital-downloads profile). */
export type ListingEntry = DownloadsListing["data"][number];
