import { customerAccountOrdersRoute } from "./customerAccountOrders/customerAccountOrders.ts";
import { customerDownloadableProductsRoute } from "./customerDownloadableProducts/customerDownloadableProducts.ts";
import { merchelloDownloadsRoutes } from "./merchelloDownloads/merchelloDownloads.ts";
import type { ProfileRoute } from "./profileRoute.ts";
import { storefrontDigitalsRoutes } from "./storefrontDigitals/storefrontDigitals.ts";

/** Every compatibility profile's routes (one module per system of docs/PROFILES.md). */
export const profileRoutes: ProfileRoute[] = [
  customerDownloadableProductsRoute, // seed 001
  customerAccountOrdersRoute, // seed 002
  ...storefrontDigitalsRoutes, // seed 003
  ...merchelloDownloadsRoutes, // seed 004
];
