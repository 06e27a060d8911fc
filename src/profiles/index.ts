import { customerAccountOrdersRoute } from "./customerAccountOrders.ts";
import { customerDownloadableProductsRoute } from "./customerDownloadableProducts.ts";
import { merchelloDownloadsRoutes } from "./merchelloDownloads.ts";
import type { ProfileRoute } from "./profileRoute.ts";
import { storefrontDigitalsRoutes } from "./storefrontDigitals.ts";

/** Every compatibility profile's routes (one module per system of docs/PROFILES.md). */
export const profileRoutes: ProfileRoute[] = [
  customerDownloadableProductsRoute, // seed 001
  customerAccountOrdersRoute, // seed 002
  ...storefrontDigitalsRoutes, // seed 003
  ...merchelloDownloadsRoutes, // seed 004
];
