/**
 * The gateway's own paths that answer CORS (docs/CONTRACT.md §4), besides the compatibility
 * profiles' paths: the listings and `/info`, which storefront pages fetch. The download
 * itself is a navigation, never a CORS request. Its own module so the router can ask it
 * without importing the CORS handling and, through it, every profile.
 */
export const CORS_CORE_PATHS: readonly string[] = [
  "/downloads/:token/info",
  "/my/downloads",
  "/orders/:orderNumber/downloads",
];

/** Whether OPTIONS on this gateway path is a CORS preflight the gateway answers. */
export function answersPreflight(path: string): boolean {
  return CORS_CORE_PATHS.includes(path);
}
