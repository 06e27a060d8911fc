import { requireLinkCustomer } from "../auth/customerIdentity.ts";
import type { Env } from "../env.ts";
import { storedAddress } from "../events/storedAddress.ts";
import { fileHeaders, presentedName, validatorHeaders } from "../files/fileHeaders.ts";
import { deliveryBody, deliveryParts, type Part } from "../files/deliveryBody.ts";
import { fileMetadata, forgetFileMetadata, type FileMetadata } from "../files/fileMetadata.ts";
import { pullFromOrigin } from "../files/pullThrough.ts";
import { planResponse, type ResponsePlan } from "../files/planResponse.ts";
import { HttpError } from "../http/HttpError.ts";
import { isSpeculative } from "../http/purpose.ts";
import type { AdmitRequest, AdmitResult } from "../links/linkTypes.ts";
import { logDownloadEvent } from "../links/downloadLogBatch.ts";
import { linkStub } from "../links/linkStub.ts";
import { cancelBody, giveBack, giveBackAfterFailure } from "../links/giveBack.ts";
import { recordRefusal } from "../links/recordRefusal.ts";
import { reportDelivery } from "../links/reportDelivery.ts";
import { clientAddress } from "../policy/clientAddress.ts";
import { deviceCookie, deviceId } from "../policy/deviceId.ts";
import { refusalError } from "../policy/refusalError.ts";
import { answerScreened } from "../scanners/answerScreened.ts";
import { screenRequest } from "../scanners/screenRequest.ts";
import type { Claims } from "../token/claims.ts";
import { refusePrefetch } from "./prefetch.ts";
import { explainRefusal } from "./refusalFacts.ts";
import { resolveLink } from "./resolveLink.ts";

export interface DownloadRequest {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  /** The token as the path carries it. */
  token: string;
  /** The tenant `/api/:tenant/…` names, if the path has that form. */
  pathTenant?: string;
  /** Compatibility profiles whose system binds every link to a signed-in customer. */
  requireCustomer?: boolean;
}

/**
 * The most of a request's User-Agent and Range the download log keeps (docs/CONTRACT.md §6
 * rule 7). Both are the client's to choose and the log stores them with every request: in
 * the link's outbox, D1, exports, evidence and webhooks. Unbounded, anyone holding a link
 * could grow the store's log by ~200 KB a request. Real ones are far shorter; a longer one
 * keeps its first 512 characters and gains a `…`, so the cut shows. Only the log is cut:
 * the request itself (its range, its device id) is answered from the headers as sent.
 */
export const LOGGED_HEADER_MAX_CHARS = 512;

function boundedForLog(value: string | null): string | null {
  return value !== null && value.length > LOGGED_HEADER_MAX_CHARS
    ? `${value.slice(0, LOGGED_HEADER_MAX_CHARS)}…`
    : value;
}

/**
 * `GET|HEAD /downloads/:token`: verify → plan → count (Durable Object) → stream (R2).
 * The R2 read starts alongside the count so the first byte is not delayed by it; if the
 * link refuses, the body is cancelled unread.
 */
export async function serveDownload({
  request,
  env,
  ctx,
  token,
  pathTenant,
  requireCustomer,
}: DownloadRequest): Promise<Response> {
  const { tenant, claims } = await resolveLink(request, env, token, pathTenant);
  const key = `${tenant.id}/${claims.fid}`;
  const link = linkStub(env, tenant.id, claims.lid);
  const ip = clientAddress(request.headers);
  const device: Device = { ...(await deviceId(request.headers, ip, env.MASTER_KEY, tenant.id)), pathTenant };
  // Rule 4a: preview card, confirmation page, or a scanner's uncounted pass.
  const screening = await screenRequest(request, env, tenant, claims, token, ip);

  const admitBase = {
    link: { tenantId: tenant.id, linkId: claims.lid, fileId: claims.fid, orderNumber: claims.ord ?? null },
    claims,
    clientIp: ip,
    device: device.id,
    resumeWindowMs: tenant.settings.resume_window_seconds * 1000,
    sharing: tenant.settings.sharing,
    log: {
      // docs/CONTRACT.md §10: only what the tenant's ip_storage keeps leaves the Worker.
      ip: storedAddress(ip, tenant.settings.ip_storage),
      userAgent: boundedForLog(request.headers.get("User-Agent")),
      country: typeof request.cf?.country === "string" ? request.cf.country : null,
      range: boundedForLog(request.headers.get("Range")),
    },
    ...(screening.kind === "download" && { scannerPasses: screening.scannerPasses }),
  };

  // `auth: true` (docs/CONTRACT.md §3): only the link's own customer, proven by the store's
  // credential. Checked before anything else is answered; a refusal is logged on the link.
  if (claims.auth || requireCustomer) {
    try {
      await requireLinkCustomer(request, env, tenant, claims.sub);
    } catch (error) {
      if (error instanceof HttpError) await recordRefusal(env, ctx, link, admitBase, error);
      throw error;
    }
  }

  // docs/CONTRACT.md §5: a prefetch or prerender gets 503 and no bytes (routes/prefetch.ts).
  if (isSpeculative(request.headers)) return refusePrefetch(env, ctx, link, admitBase);
  if (screening.kind !== "download")
    return answerScreened(screening, { request, env, ctx, tenant, claims, token, link, admitBase });

  // One retry: if the file was replaced after its metadata was cached, plan again.
  for (let attempt = 0; ; attempt++) {
    // A pull-through file is fetched from the origin into R2 on its first download.
    const file = (await fileMetadata(env.FILES, key)) ?? (await pullFromOrigin(env, tenant.id, claims.fid));
    if (!file) {
      const result = await link.admit({
        ...admitBase,
        delivers: false,
        sendsBody: false,
        rangeStart: null,
        plannedStatus: 404,
        plannedBytes: 0,
        plannedError: "not_found",
      });
      logDownloadEvent(ctx, env, result);
      if (!result.ok) throw refusalError(result.reason);
      throw fileNotFound();
    }

    const plan = planResponse(request.headers, file);
    const delivers = plan.status === 200 || plan.status === 206;
    const sendsBody = delivers && request.method === "GET";
    const admitRequest: AdmitRequest = {
      ...admitBase,
      delivers,
      sendsBody,
      rangeStart: plan.status === 206 ? plan.start : null,
      plannedStatus: plan.status,
      plannedBytes: delivers ? plan.length : 0,
    };

    // Rule 4: the body goes out in pieces whose boundaries include the refund threshold
    // (files/deliveryBody.ts); the first piece's read starts alongside the count.
    const parts = delivers ? deliveryParts(plan.start, plan.length, tenant.settings.abort_refund_fraction) : [];
    const readPart = (part: Part) => readFilePart(env.FILES, key, file, part);
    const bodyRead = sendsBody && delivers && parts[0] ? readPart(parts[0]) : null;
    // Awaited below; until then a rejection (while admit() is pending) must not count as unhandled.
    bodyRead?.catch(() => {});
    let decision: AdmitResult;
    try {
      decision = await link.admit(admitRequest);
    } catch (error) {
      void bodyRead?.then((o) => cancelBody(o)).catch(() => {});
      throw error;
    }
    logDownloadEvent(ctx, env, decision);
    if (!decision.ok) {
      void bodyRead?.then((o) => cancelBody(o)).catch(() => {});
      throw await explainRefusal(refusalError(decision.reason), request, link, claims);
    }

    if (!bodyRead || !delivers) return bodilessResponse(plan, file, claims, device, request);

    // docs/CONTRACT.md §6 rule 4: the count is taken. Until the Response exists, any failure (the
    // R2 read, headers built from stored metadata) gives the download back.
    let object: R2ObjectBody | R2Object | null;
    try {
      object = await bodyRead;
      if (object && "body" in object) {
        const headers = deliveryHeaders(plan, file, claims, device, request);
        // Rule 4: the count is kept or given back on the bytes the client's connection took.
        const later = (part: Part) => readPart(part).then((o) => (o && "body" in o ? o.body : null));
        const { body, delivery } = deliveryBody(object.body, parts, later, plan.length);
        const fraction = tenant.settings.abort_refund_fraction;
        const sizes = { response: plan.length, file: file.size, firstPiece: parts[0]?.length ?? plan.length };
        ctx.waitUntil(delivery.then((d) => reportDelivery(env, ctx, link, decision, sizes, fraction, d, claims)));
        return new Response(body, { status: plan.status, headers });
      }
    } catch (error) {
      await giveBackAfterFailure(env, ctx, link, decision, bodyRead, error);
      throw error;
    }

    // Missing (deleted since the head) or replaced (etag changed): nothing was served.
    forgetFileMetadata(key);
    await giveBack(env, ctx, link, decision, object ? 409 : 404, object ? "file_changed" : "not_found");
    if (!object || attempt >= 1) throw fileNotFound();
  }
}

/**
 * One piece of the file, only if it is still the version that was planned. The whole
 * object is asked for without a range when the piece is all of it: R2 refuses a
 * zero-length range, so an empty file read as `{offset: 0, length: 0}` would fail.
 */
function readFilePart(bucket: R2Bucket, key: string, file: FileMetadata, part: Part) {
  const whole = part.offset === 0 && part.length === file.size;
  return bucket.get(key, { ...(whole ? {} : { range: part }), onlyIf: { etagMatches: file.etag } });
}

function fileNotFound(): HttpError {
  return new HttpError("not_found", "The file for this download link does not exist.");
}

/** The request's device, and the `/api/<tenant>/` prefix its cookie is scoped to, if any. */
type Device = { id: string; fromCookie: boolean; pathTenant: string | undefined };
type DeliveryPlan = Extract<ResponsePlan, { status: 200 | 206 }>;

/** Headers of a 200/206 and of its HEAD twin, which must be identical. */
function deliveryHeaders(
  plan: DeliveryPlan,
  file: FileMetadata,
  claims: Claims,
  device: Device,
  request: Request,
): Headers {
  const headers = fileHeaders(
    file,
    presentedName(file, claims.fn, claims.fid),
    plan.length,
    request.headers.get("User-Agent"),
  );
  if (plan.status === 206)
    headers.set("Content-Range", `bytes ${plan.start}-${plan.start + plan.length - 1}/${file.size}`);
  // Pin the device identity the gateway just derived, so it survives a change of network.
  if (!device.fromCookie)
    headers.append(
      "Set-Cookie",
      deviceCookie(device.id, new URL(request.url).protocol === "https:", device.pathTenant),
    );
  return headers;
}

/** HEAD, 304, 412 and 416: the same headers a GET would get, and no body. */
function bodilessResponse(
  plan: ResponsePlan,
  file: FileMetadata,
  claims: Claims,
  device: Device,
  request: Request,
): Response {
  switch (plan.status) {
    case 304:
      return new Response(null, { status: 304, headers: validatorHeaders(file) });
    case 412:
      throw new HttpError("precondition_failed", "The file does not match the request's preconditions.");
    case 416:
      throw new HttpError("range_not_satisfiable", `The requested range is outside the file (${file.size} bytes).`, {
        "Content-Range": `bytes */${file.size}`,
      });
    default:
      return new Response(null, { status: plan.status, headers: deliveryHeaders(plan, file, claims, device, request) });
  }
}
