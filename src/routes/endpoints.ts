import { withHeadForGets, type Endpoint } from "../http/endpoint.ts";
import { profileEndpoints } from "../profiles/index.ts";
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
import { listDeadLetters } from "./admin/webhooks/listDeadLetters.ts";
import { replayDeadLetter } from "./admin/webhooks/replayDeadLetter.ts";
import { rotateWebhookSecret } from "./admin/webhooks/rotateWebhookSecret.ts";
import { testWebhook } from "./admin/webhooks/testWebhook.ts";
import { holdOrder } from "./admin/orders/holdOrder.ts";
import { releaseOrder } from "./admin/orders/releaseOrder.ts";
import { download } from "./customer/download.ts";
import { downloadHeaders } from "./customer/downloadHeaders.ts";
import { downloadInfo } from "./customer/downloadInfo.ts";
import { myDownloads } from "./customer/myDownloads.ts";
import { orderDownloads } from "./customer/orderDownloads.ts";
import { orderPage } from "./customer/orderPage.ts";
import { orderPageHeaders } from "./customer/orderPageHeaders.ts";
import { apiReference } from "./service/apiReference.ts";
import { benchLinkFloor } from "./service/benchLinkFloor.ts";
import { benchListingFloor } from "./service/benchListingFloor.ts";
import { benchR2 } from "./service/benchR2.ts";
import { health } from "./service/health.ts";
import { openApi } from "./service/openApi.ts";

/**
 * Every endpoint of the gateway, in one list per group: src/router.ts mounts them and
 * src/routes/openapi.ts documents them, so what is served and what is documented are one.
 * Each GET of these lists answers HEAD too (`withHeadForGets`); the profiles' lists do not.
 */

/** The issuer API under `/admin/v1`, for a tenant's admin key (docs/CONTRACT.md §9). */
export const adminEndpoints: readonly Endpoint[] = withHeadForGets([
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
  rotateWebhookSecret,
  listDeadLetters,
  replayDeadLetter,
  testWebhook,
  holdOrder,
  releaseOrder,
]);

/** Tenant management under `/admin/v1/tenants`, for the deployment's OPERATOR_SECRET. */
export const operatorEndpoints: readonly Endpoint[] = withHeadForGets([
  createTenant,
  listTenants,
  getTenant,
  updateTenant,
  issueTenantAdminKey,
]);

/**
 * What a store's customers call (docs/CONTRACT.md §4–§8), each path bare (tenant from the
 * Host) and under `/api/:tenant`; any other method on these paths is 405, never the origin's.
 */
export const customerEndpoints: readonly Endpoint[] = withHeadForGets([
  downloadInfo,
  download,
  myDownloads,
  orderDownloads,
  downloadHeaders,
  orderPage,
  orderPageHeaders,
]);

/** Liveness, the API document and its page, and the bench's own routes (undocumented). */
export const serviceEndpoints: readonly Endpoint[] = withHeadForGets([
  health,
  openApi,
  apiReference,
  benchR2,
  benchLinkFloor,
  benchListingFloor,
]);

/**
 * The compatibility profiles' endpoints (src/profiles/, docs/PROFILES.md), each answering
 * only where the Host's tenant enabled its profile; declared in each profile's folder.
 */
export { profileEndpoints };
