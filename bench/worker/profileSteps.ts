import { compactVerify } from "jose";
import { writeDownloadLog } from "../../src/db/downloadLog.ts";
import { deliveryBody, deliveryParts } from "../../src/files/deliveryBody.ts";
import { fileHeaders, presentedName } from "../../src/files/fileHeaders.ts";
import type { FileMetadata } from "../../src/files/fileMetadata.ts";
import { planResponse } from "../../src/files/planResponse.ts";
import type { AdmitRequest } from "../../src/links/DownloadLink.ts";
import type { DownloadEvent } from "../../src/links/DownloadEvent.ts";
import { deviceCookie, deviceId } from "../../src/policy/deviceId.ts";
import { signDownloadToken } from "../../src/sdk/sign.ts";
import { claimsSchema } from "../../src/token/claims.ts";
import { importHmacKey, type Keyring } from "../../src/token/keyring.ts";
import { verifyToken } from "../../src/token/verifyToken.ts";
import type { BenchEnv } from "./index.ts";

/** Steps of the download path that run in the Worker, repeated n times in one request. */
export const WORKER_STEPS = [
  "loop",
  "jws",
  "claims",
  "verify",
  "device",
  "plan",
  "headers",
  "log-batch",
  "r2-head",
  "r2-get",
  "r2-get-onlyif",
  "deliver-1k",
] as const;
export type WorkerStep = (typeof WORKER_STEPS)[number];

const TENANT = "bench";
/** The object the floors stream (the bench seeds it with PUT /r2/one-kib). */
const R2_KEY = "one-kib";
const SECRET = "bench-profile-secret-0123456789abcdef";
/** A MASTER_KEY for the device-id step (32 bytes, base64): the step prices the HMAC, not the secret. */
const PROFILE_MASTER_KEY = btoa("bench-profile-master-key-32bytes");
/** A browser's User-Agent, so the Content-Disposition and device hash do their real work. */
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const FILE: FileMetadata = {
  key: `${TENANT}/one-kib`,
  size: 1024,
  etag: "0f343b0931126a20f133d67c2b018a3b",
  httpEtag: '"0f343b0931126a20f133d67c2b018a3b"',
  uploaded: Date.UTC(2026, 10, 1),
  contentType: "application/octet-stream",
  fileName: "one-kib.bin",
};

interface Fixture {
  token: string;
  keyring: Keyring;
  key: CryptoKey;
  payloadText: string;
}
let fixture: Promise<Fixture> | null = null;

/** A token like the bench's (HS256, unlimited, one day), its tenant's keyring, its payload. */
function tokenFixture(): Promise<Fixture> {
  fixture ??= (async () => {
    const token = await signDownloadToken(
      { tenant: TENANT, link: "s-0", file: "one-kib", expires: "1d", filename: "one-kib.bin" },
      { kid: "bench", secret: SECRET },
    );
    const key = await importHmacKey(new TextEncoder().encode(SECRET));
    const payloadText = new TextDecoder().decode(
      Uint8Array.from(atob(token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0)),
    );
    return { token, keyring: new Map([["bench", { kid: "bench", alg: "HS256" as const, key }]]), key, payloadText };
  })();
  return fixture;
}

/** The request a 1 KiB GET sends to its link, as serveDownload builds it. */
export async function sampleRequest(linkId: string): Promise<AdmitRequest> {
  const { token, keyring } = await tokenFixture();
  const verdict = await verifyToken(token, keyring, TENANT);
  if (!verdict.ok) throw new Error(`profile token refused: ${verdict.reason}`);
  return {
    link: { tenantId: TENANT, linkId, fileId: "one-kib", orderNumber: null },
    claims: { ...verdict.claims, lid: linkId },
    clientIp: "127.0.0.1",
    device: "Xb3kq0mZ9VdL2pQe7sTu1w",
    resumeWindowMs: 3_600_000,
    log: { ip: "127.0.0.1", userAgent: USER_AGENT, country: null, range: null },
    delivers: true,
    sendsBody: true,
    rangeStart: null,
    plannedStatus: 200,
    plannedBytes: 1024,
  };
}

export async function profileWorkerStep(env: BenchEnv, step: WorkerStep, n: number): Promise<number> {
  const { token, keyring, key, payloadText } = await tokenFixture();
  const headers = new Headers({ "User-Agent": USER_AGENT, Accept: "*/*" });
  let sink = 0;
  switch (step) {
    case "loop":
      for (let i = 0; i < n; i++) sink += i & 1;
      return sink;
    case "jws":
      // The signature alone: jose's compact JWS verify with the imported HMAC key.
      for (let i = 0; i < n; i++) sink += (await compactVerify(token, key, { algorithms: ["HS256"] })).payload.length;
      return sink;
    case "claims":
      // The payload's text to checked claims: JSON.parse and the zod schema.
      for (let i = 0; i < n; i++) sink += claimsSchema.safeParse(JSON.parse(payloadText)).success ? 1 : 0;
      return sink;
    case "verify":
      // verifyToken as the hot path calls it: shape checks, key selection, signature, claims.
      for (let i = 0; i < n; i++) sink += (await verifyToken(token, keyring, TENANT)).ok ? 1 : 0;
      return sink;
    case "device":
      for (let i = 0; i < n; i++) sink += (await deviceId(headers, "127.0.0.1", PROFILE_MASTER_KEY, TENANT)).id.length;
      return sink;
    case "plan":
      for (let i = 0; i < n; i++) sink += planResponse(headers, FILE).status;
      return sink;
    case "headers":
      // deliveryHeaders + the Response the gateway builds (a 200 without a device cookie yet).
      for (let i = 0; i < n; i++) {
        const h = fileHeaders(FILE, presentedName(FILE, "one-kib.bin", "one-kib"), 1024, USER_AGENT);
        h.append("Set-Cookie", deviceCookie("Xb3kq0mZ9VdL2pQe7sTu1w", false, undefined));
        sink += new Response(null, { status: 200, headers: h }).status;
      }
      return sink;
    case "r2-head":
      // What fileMetadata() costs when its isolate cache misses (every 30 s per file).
      for (let i = 0; i < n; i++) sink += (await env.FILES.head(R2_KEY))?.size ?? 0;
      return sink;
    case "r2-get":
    case "r2-get-onlyif": {
      // The 1 KiB read itself, body consumed; the gateway's read carries an etag condition.
      const etag = step === "r2-get-onlyif" ? (await env.FILES.head(R2_KEY))?.etag : undefined;
      for (let i = 0; i < n; i++) {
        const object = await env.FILES.get(R2_KEY, etag ? { onlyIf: { etagMatches: etag } } : {});
        sink += object && "body" in object ? (await object.arrayBuffer()).byteLength : 0;
      }
      return sink;
    }
    case "deliver-1k": {
      // r2-get-onlyif plus the gateway's delivery: the body piped into a FixedLengthStream,
      // read to the end here as the client would, and how it ended.
      const etag = (await env.FILES.head(R2_KEY))?.etag;
      for (let i = 0; i < n; i++) {
        const object = await env.FILES.get(R2_KEY, { onlyIf: { etagMatches: etag ?? "" } });
        if (!object || !("body" in object)) throw new Error("no 1 KiB object");
        const parts = deliveryParts(0, object.size, 0.5);
        const { body, delivery } = deliveryBody(object.body, parts, () => Promise.resolve(null), object.size);
        sink += (await new Response(body).arrayBuffer()).byteLength + (await delivery).bytesSent;
      }
      return sink;
    }
    case "log-batch": {
      // The batched D1 log as downloadLogBatch.ts writes it: 50 events and their links'
      // state mirrors per batch. The figure is per event.
      const request = await sampleRequest("log");
      for (let done = 0; done < n; done += 50) {
        const size = Math.min(50, n - done);
        const events: DownloadEvent[] = Array.from({ length: size }, (_, i) => ({
          id: crypto.randomUUID(),
          tenantId: TENANT,
          linkId: `s-${done + i}`,
          fileId: "one-kib",
          orderNumber: null,
          at: Date.now(),
          ...request.log,
          status: 200,
          bytes: 1024,
          bytesSent: null,
          outcome: null,
          counted: true,
          reason: null,
          device: request.device,
          error: null,
        }));
        const mirrors = events.map((event, i) => ({
          tenantId: TENANT,
          linkId: event.linkId,
          state: {
            count: i + 1,
            lastCountedAt: event.at,
            version: i + 1,
            revoked: false,
            suspended: false,
            limitOverride: null,
            extraDownloads: 0,
            expiresAtOverride: null,
          },
        }));
        await writeDownloadLog(env.DB, events, mirrors);
        sink += size;
      }
      return sink;
    }
  }
}
