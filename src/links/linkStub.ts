import type { Env } from "../env.ts";

/**
 * The one place a DownloadLink id is built. Tenant and link id together name the
 * object, so two stores using the same link id never share a count.
 */
export function linkStub(env: Env, tenantId: string, linkId: string) {
  return env.DOWNLOAD_LINK.getByName(`${tenantId}/${linkId}`);
}
