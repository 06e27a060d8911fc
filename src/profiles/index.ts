import type { Endpoint } from "../http/endpoint.ts";
import { customerAccountOrdersEndpoints } from "./customerAccountOrders/customerAccountOrders.ts";
import { customerDownloadableProductsEndpoints } from "./customerDownloadableProducts/customerDownloadableProducts.ts";
import { merchelloDownloadsEndpoints } from "./merchelloDownloads/merchelloDownloads.ts";
import { storefrontDigitalsEndpoints } from "./storefrontDigitals/storefrontDigitals.ts";

/** Every compatibility profile's endpoints (one folder per system of docs/PROFILES.md). */
export const profileEndpoints: readonly Endpoint[] = [
  ...customerDownloadableProductsEndpoints, // seed 001
  ...customerAccountOrdersEndpoints, // seed 002
  ...storefrontDigitalsEndpoints, // seed 003
  ...merchelloDownloadsEndpoints, // seed 004
];
