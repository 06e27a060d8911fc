import { requireLinkCustomer } from "../auth/customerIdentity.ts";
import type { Env } from "../env.ts";
import { presentedName, presentedType } from "../files/fileHeaders.ts";
import { fileMetadata } from "../files/fileMetadata.ts";
import { pullFromOrigin } from "../files/pullThrough.ts";
import { HttpError } from "../http/HttpError.ts";
import { json } from "../http/json.ts";
import { linkStub } from "../links/linkStub.ts";
import { addressAllowed, clientAddress } from "../policy/clientAddress.ts";
import { claimFigures } from "../policy/linkFigures.ts";
import { countryAllowed } from "../policy/countryAllowed.ts";
import { refusalError } from "../policy/refusalError.ts";
import { resolveLink } from "./resolveLink.ts";
import type { DownloadInfo } from "./schemas.ts";

/**
 * `GET /downloads/:token/info`: the link's state, answered 200 even when expired,
 * exhausted, revoked, unpaid or held (`status`), so a store page can say why. Never counts
 * and logs nothing.
 */
export async function serveDownloadInfo(
  request: Request,
  env: Env,
  token: string,
  tenantParam?: string,
): Promise<Response> {
  const { tenant, claims } = await resolveLink(request, env, token, tenantParam);
  if (claims.auth) await requireLinkCustomer(request, env, tenant, claims.sub);
  // The IP restriction says who may use the link at all, so it applies here too.
  if (claims.ips !== undefined && !addressAllowed(clientAddress(request.headers), claims.ips)) {
    throw refusalError("ip_not_allowed");
  }
  if (!countryAllowed(typeof request.cf?.country === "string" ? request.cf.country : null, claims)) {
    throw refusalError("country_not_allowed");
  }
  const [file, state] = await Promise.all([
    fileMetadata(env.FILES, `${tenant.id}/${claims.fid}`).then(
      (found) => found ?? pullFromOrigin(env, tenant.id, claims.fid),
    ),
    linkStub(env, tenant.id, claims.lid).snapshot(),
  ]);
  if (!file) throw new HttpError("not_found", "The file for this download link does not exist.");

  const name = presentedName(file, claims.fn, claims.fid);
  const figures = claimFigures(claims, state);
  const info: DownloadInfo = {
    file_name: name,
    file_size: file.size,
    mime_type: presentedType(file, name),
    download_count: state.count,
    download_limit: figures.limit,
    remaining_downloads: figures.remaining,
    expires_at: figures.expiresAt === null ? null : new Date(figures.expiresAt * 1000).toISOString(),
    is_expired: figures.isExpired,
    is_limit_reached: figures.isLimitReached,
    revoked: state.revoked,
    status: figures.status,
  };
  return json(info);
}
