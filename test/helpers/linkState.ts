import type { LinkState } from "../../src/policy/decideAccess.ts";

/** A link's Durable Object state as a new link starts, with `extra` on top. */
export function linkState(extra: Partial<LinkState> = {}): LinkState {
  return {
    count: 0,
    deviceLastCountedAt: null,
    revoked: false,
    pending: false,
    held: false,
    suspended: false,
    limitOverride: null,
    extraDownloads: 0,
    expiresAtOverride: null,
    devices: new Set<string>(),
    ...extra,
  };
}
