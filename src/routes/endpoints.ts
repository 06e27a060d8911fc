import type { Endpoint } from "../http/endpoint.ts";
import { createAdminKey } from "./admin/adminKeys/createAdminKey.ts";
import { listAdminKeys } from "./admin/adminKeys/listAdminKeys.ts";
import { revokeAdminKey } from "./admin/adminKeys/revokeAdminKey.ts";
import { abortUpload } from "./admin/files/abortUpload.ts";
import { completeUpload } from "./admin/files/completeUpload.ts";
import { deleteFile } from "./admin/files/deleteFile.ts";
import { getFile } from "./admin/files/getFile.ts";
import { registerFile } from "./admin/files/registerFile.ts";
import { startUpload } from "./admin/files/startUpload.ts";
import { uploadFile } from "./admin/files/uploadFile.ts";
import { uploadPart } from "./admin/files/uploadPart.ts";
import { createSigningKey } from "./admin/keys/createSigningKey.ts";
import { listSigningKeys } from "./admin/keys/listSigningKeys.ts";
import { retireSigningKey } from "./admin/keys/retireSigningKey.ts";
import { freshLinkUrl } from "./admin/links/freshLinkUrl.ts";
import { getLink } from "./admin/links/getLink.ts";
import { linkEvents } from "./admin/links/linkEvents.ts";
import { patchLink } from "./admin/links/patchLink.ts";
import { resetLink } from "./admin/links/resetLink.ts";
import { cancelOrder } from "./admin/orders/cancelOrder.ts";
import { completeOrder } from "./admin/orders/completeOrder.ts";
import { createOrder } from "./admin/orders/createOrder.ts";
import { getOrder } from "./admin/orders/getOrder.ts";
import { createTenant } from "./admin/tenants/createTenant.ts";
import { getTenant } from "./admin/tenants/getTenant.ts";
import { issueTenantAdminKey } from "./admin/tenants/issueTenantAdminKey.ts";
import { listTenants } from "./admin/tenants/listTenants.ts";
import { updateTenant } from "./admin/tenants/updateTenant.ts";
import { listEvents } from "./admin/events/listEvents.ts";
import { orderEvidence } from "./admin/orders/orderEvidence.ts";
import { customerData } from "./admin/customers/customerData.ts";
import { erasePersonalData } from "./admin/customers/erasePersonalData.ts";

/**
 * Every endpoint of the gateway, in one list per group: src/router.ts mounts them and
 * src/routes/openapi.ts documents them, so what is served and what is documented are one.
 */

/** The issuer API under `/admin/v1`, for a tenant's admin key (docs/CONTRACT.md §9). */
export const adminEndpoints: readonly Endpoint[] = [
  uploadFile,
  registerFile,
  getFile,
  deleteFile,
  startUpload,
  uploadPart,
  completeUpload,
  abortUpload,
  createOrder,
  getOrder,
  completeOrder,
  cancelOrder,
  orderEvidence,
  getLink,
  patchLink,
  resetLink,
  freshLinkUrl,
  linkEvents,
  listEvents,
  customerData,
  erasePersonalData,
  createSigningKey,
  listSigningKeys,
  retireSigningKey,
  createAdminKey,
  listAdminKeys,
  revokeAdminKey,
];

/** Tenant management under `/admin/v1/tenants`, for the deployment's OPERATOR_SECRET. */
export const operatorEndpoints: readonly Endpoint[] = [
  createTenant,
  listTenants,
  getTenant,
  updateTenant,
  issueTenantAdminKey,
];
