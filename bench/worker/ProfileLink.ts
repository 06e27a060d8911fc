import type { AdmitRequest } from "../../src/links/DownloadLink.ts";
import { DownloadLink } from "../../src/links/DownloadLink.ts";
import type { DownloadEvent } from "../../src/links/DownloadEvent.ts";
import { requestEvent } from "../../src/links/admission.ts";
import { LinkStorage } from "../../src/links/linkStorage.ts";
import { Outbox } from "../../src/links/Outbox.ts";
import { ScannerPasses } from "../../src/links/scannerPasses.ts";
import { LinkClaimsMemory } from "../../src/links/LinkClaimsMemory.ts";
import { decideAccess } from "../../src/policy/decideAccess.ts";

/** The steps `profile` can repeat inside the object, in the order admit() takes them. */
export const IN_OBJECT_STEPS = ["constructor", "state", "decide", "count", "event", "outbox", "admit"] as const;
export type InObjectStep = (typeof IN_OBJECT_STEPS)[number];

/**
 * The gateway's own link object (same class, same code), plus one method that repeats a
 * single step of `admit()` n times inside the object, within one call: no RPC and no
 * commit per iteration, so together with the per-call figures (measured from the
 * Worker) the profile can say what the round trip and the write transaction cost apart
 * from the statements. Bench only: bound in bench/worker/wrangler.toml, never deployed.
 */
export class ProfileLink extends DownloadLink {
  profile(step: InObjectStep, n: number, request: AdmitRequest): number {
    const sql = this.ctx.storage.sql;
    const store = new LinkStorage(sql);
    const outbox = new Outbox(sql);
    const state = store.state(request.device, false);
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      switch (step) {
        case "constructor":
          // What the object's constructor runs: the schema (CREATE IF NOT EXISTS …) and two wrappers.
          sink += [new LinkStorage(sql), new Outbox(sql), new ScannerPasses(sql), new LinkClaimsMemory(sql)].length;
          break;
        case "state":
          sink += store.state(request.device, false).count;
          break;
        case "decide":
          sink += decideAccess({ ...request, now }, state).ok ? 1 : 0;
          break;
        case "count":
          sink += store.count(now, request.device);
          break;
        case "event":
          sink += JSON.stringify(eventOf(request, now)).length;
          break;
        case "outbox":
          outbox.put(eventOf(request, now));
          sink += 1;
          break;
        case "admit":
          sink += this.decide(request).ok ? 1 : 0;
          break;
      }
    }
    return sink;
  }
}

/** A counted download's event, built as admit builds it. */
function eventOf(request: AdmitRequest, now: number): DownloadEvent {
  return requestEvent(request, now, {
    status: request.plannedStatus,
    bytes: request.plannedBytes,
    bytesSent: null,
    counted: true,
    reason: null,
    error: null,
  });
}
