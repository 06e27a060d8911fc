import type { ProfileRoute } from "./profileRoute.ts";

/** Every compatibility profile's routes (one module per system in shared/seeds/). */
export const profileRoutes: ProfileRoute[] = [];
