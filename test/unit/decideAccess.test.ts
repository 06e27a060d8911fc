import { describe, expect, it } from "vitest";
import {
  CLOCK_SKEW_SECONDS,
  decideAccess,
  effectiveExpiry,
  effectiveLimit,
  isExpired,
  type AccessRequest,
} from "../../src/policy/decideAccess.ts";
import type { Claims } from "../../src/token/claims.ts";
import { linkState } from "../helpers/linkState.ts";

const NOW = 1_750_000_000_000; // Unix ms
const NOW_S = NOW / 1000;
const HOUR = 3_600_000;
const WINDOW = 24 * HOUR;

const claims = (extra: Partial<Claims> = {}): Claims => ({ iss: "shop", lid: "link", fid: "file", ...extra });

/** A full GET (200) from device "d1" at 203.0.113.10, unless told otherwise. */
function get(extra: Partial<AccessRequest> & { claims?: Claims } = {}): AccessRequest {
  return {
    claims: claims(),
    clientIp: "203.0.113.10",
    device: "d1",
    delivers: true,
    sendsBody: true,
    rangeStart: null,
    now: NOW,
    resumeWindowMs: WINDOW,
    ...extra,
  };
}

const COUNTED = { ok: true, counted: true, resume: false };
const FREE = { ok: true, counted: false, resume: false };
const RESUMED = { ok: true, counted: false, resume: true };
const refused = (reason: string) => ({ ok: false, reason });

describe("decideAccess: the download limit (rule 1)", () => {
  it("counts a full GET on an unlimited link", () => {
    expect(decideAccess(get(), linkState())).toStrictEqual(COUNTED);
  });

  it("counts a full GET while downloads remain", () => {
    expect(decideAccess(get({ claims: claims({ lim: 3 }) }), linkState({ count: 2 }))).toStrictEqual(COUNTED);
  });

  it("refuses a full GET once the limit is used up", () => {
    expect(decideAccess(get({ claims: claims({ lim: 3 }) }), linkState({ count: 3 }))).toStrictEqual(
      refused("limit_reached"),
    );
    expect(decideAccess(get({ claims: claims({ lim: 1 }) }), linkState({ count: 7 }))).toStrictEqual(
      refused("limit_reached"),
    );
  });

  it("counts a 206 that starts at byte 0, even right after a counted download", () => {
    const req = get({ claims: claims({ lim: 3 }), rangeStart: 0 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 1000 }))).toStrictEqual(COUNTED);
  });

  it("refuses a 206 at byte 0 at the limit: it is a new download, not a resume", () => {
    const req = get({ claims: claims({ lim: 1 }), rangeStart: 0 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 1000 }))).toStrictEqual(
      refused("limit_reached"),
    );
  });
});

describe("decideAccess: answers that hand out no bytes (rule 2)", () => {
  it("never counts a HEAD (no body sent)", () => {
    expect(decideAccess(get({ sendsBody: false }), linkState())).toStrictEqual(FREE);
    expect(decideAccess(get({ sendsBody: false, claims: claims({ lim: 2 }) }), linkState({ count: 1 }))).toStrictEqual(
      FREE,
    );
  });

  it("refuses a HEAD at the limit exactly like a GET", () => {
    const req = get({ sendsBody: false, claims: claims({ lim: 2 }) });
    expect(decideAccess(req, linkState({ count: 2 }))).toStrictEqual(refused("limit_reached"));
  });

  it("never counts a prefetch GET (headers only), and refuses it at the limit", () => {
    const prefetch = get({ sendsBody: false, claims: claims({ lim: 1 }) });
    expect(decideAccess(prefetch, linkState())).toStrictEqual(FREE);
    expect(decideAccess(prefetch, linkState({ count: 1 }))).toStrictEqual(refused("limit_reached"));
  });

  it("lets a 304/412/416 through without counting, even at the limit or from a new device", () => {
    const req = get({ delivers: false, claims: claims({ lim: 1, dev: 1 }), device: "new" });
    expect(decideAccess(req, linkState({ count: 1, devices: new Set(["old"]) }))).toStrictEqual(FREE);
  });

  it("still refuses a 304/412/416 on a revoked, expired or foreign-IP link", () => {
    expect(decideAccess(get({ delivers: false }), linkState({ revoked: true }))).toStrictEqual(refused("revoked"));
    expect(decideAccess(get({ delivers: false, claims: claims({ exp: NOW_S - 60 }) }), linkState())).toStrictEqual(
      refused("expired"),
    );
    expect(
      decideAccess(get({ delivers: false, claims: claims({ ips: ["198.51.100.0/24"] }) }), linkState()),
    ).toStrictEqual(refused("ip_not_allowed"));
  });
});

describe("decideAccess: resumes (rule 3)", () => {
  it("serves a range past byte 0 without counting when a download began inside the window", () => {
    const req = get({ claims: claims({ lim: 3 }), rangeStart: 5000 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - HOUR }))).toStrictEqual(RESUMED);
  });

  it("allows a resume past the limit", () => {
    const req = get({ claims: claims({ lim: 1 }), rangeStart: 5000 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - HOUR }))).toStrictEqual(RESUMED);
  });

  it("allows a resume just inside the window", () => {
    const req = get({ claims: claims({ lim: 1 }), rangeStart: 1 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - WINDOW + 1 }))).toStrictEqual(RESUMED);
  });

  it("counts a range past byte 0 as a new download once the window has closed", () => {
    const req = get({ claims: claims({ lim: 3 }), rangeStart: 5000 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - WINDOW }))).toStrictEqual(COUNTED);
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - WINDOW - HOUR }))).toStrictEqual(COUNTED);
  });

  it("refuses a range past byte 0 at the limit once the window has closed", () => {
    const req = get({ claims: claims({ lim: 1 }), rangeStart: 5000 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - WINDOW }))).toStrictEqual(
      refused("limit_reached"),
    );
  });

  it("counts a range past byte 0 when nothing was ever counted (ranges never bypass the limit)", () => {
    const req = get({ claims: claims({ lim: 2 }), rangeStart: 5000 });
    expect(decideAccess(req, linkState())).toStrictEqual(COUNTED);
  });

  it("refuses a range past byte 0 at the limit when the link has no counted download on record", () => {
    const req = get({ claims: claims({ lim: 1 }), rangeStart: 5000 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: null }))).toStrictEqual(
      refused("limit_reached"),
    );
  });

  it("honours a shorter resume window from the tenant's settings", () => {
    const req = get({ claims: claims({ lim: 1 }), rangeStart: 10, resumeWindowMs: 60_000 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 59_999 }))).toStrictEqual(RESUMED);
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 60_000 }))).toStrictEqual(
      refused("limit_reached"),
    );
  });

  it("marks a HEAD of a resume range as a resume that is not counted", () => {
    const req = get({ claims: claims({ lim: 1 }), rangeStart: 10, sendsBody: false });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 1000 }))).toStrictEqual(RESUMED);
  });

  // Issue 8 item 3: the link had a counted download, but not by this device (a shared URL).
  it("refuses a range from a device without a counted download of its own at the limit", () => {
    const req = get({ claims: claims({ lim: 1 }), device: "d2", rangeStart: 1 });
    expect(
      decideAccess(req, linkState({ count: 1, deviceLastCountedAt: null, devices: new Set(["d1"]) })),
    ).toStrictEqual(refused("limit_reached"));
  });

  it("counts a range from a device without a counted download of its own as a new download", () => {
    const req = get({ claims: claims({ lim: 2 }), device: "d2", rangeStart: 100 });
    expect(
      decideAccess(req, linkState({ count: 1, deviceLastCountedAt: null, devices: new Set(["d1"]) })),
    ).toStrictEqual(COUNTED);
  });

  it("refuses a range from a third device on a two-device link, with downloads left", () => {
    const req = get({ claims: claims({ dev: 2 }), device: "d3", rangeStart: 100 });
    expect(
      decideAccess(req, linkState({ count: 2, deviceLastCountedAt: null, devices: new Set(["d1", "d2"]) })),
    ).toStrictEqual(refused("device_limit_reached"));
  });
});

describe("decideAccess: devices (rule 6)", () => {
  it("counts a download from a new device while devices remain", () => {
    const req = get({ claims: claims({ dev: 2 }), device: "d2" });
    expect(decideAccess(req, linkState({ devices: new Set(["d1"]) }))).toStrictEqual(COUNTED);
  });

  it("refuses a new device beyond the device limit", () => {
    const req = get({ claims: claims({ dev: 2 }), device: "d3" });
    expect(decideAccess(req, linkState({ count: 2, devices: new Set(["d1", "d2"]) }))).toStrictEqual(
      refused("device_limit_reached"),
    );
  });

  it("keeps serving a known device at the device limit", () => {
    const req = get({ claims: claims({ dev: 2 }), device: "d2" });
    expect(decideAccess(req, linkState({ count: 2, devices: new Set(["d1", "d2"]) }))).toStrictEqual(COUNTED);
  });

  it("refuses a resume from a new device beyond the device limit", () => {
    const req = get({ claims: claims({ dev: 1 }), device: "d2", rangeStart: 5000 });
    expect(
      decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 1000, devices: new Set(["d1"]) })),
    ).toStrictEqual(refused("device_limit_reached"));
  });

  it("serves a resume from the known device at the device limit", () => {
    const req = get({ claims: claims({ dev: 1 }), device: "d1", rangeStart: 5000 });
    expect(
      decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 1000, devices: new Set(["d1"]) })),
    ).toStrictEqual(RESUMED);
  });

  it("refuses a HEAD from a new device beyond the device limit", () => {
    const req = get({ claims: claims({ dev: 1 }), device: "d2", sendsBody: false });
    expect(decideAccess(req, linkState({ devices: new Set(["d1"]) }))).toStrictEqual(refused("device_limit_reached"));
  });

  it("ignores devices when the link has no device limit", () => {
    const req = get({ device: "d99" });
    expect(decideAccess(req, linkState({ devices: new Set(["d1", "d2", "d3"]) }))).toStrictEqual(COUNTED);
  });

  it("reports the download limit before the device limit when both are reached", () => {
    const req = get({ claims: claims({ lim: 1, dev: 1 }), device: "d2" });
    expect(decideAccess(req, linkState({ count: 1, devices: new Set(["d1"]) }))).toStrictEqual(
      refused("limit_reached"),
    );
  });
});

describe("decideAccess: revocation and expiry", () => {
  it("refuses a revoked link", () => {
    expect(decideAccess(get(), linkState({ revoked: true }))).toStrictEqual(refused("revoked"));
  });

  it("refuses a revoked link even for a resume", () => {
    const req = get({ rangeStart: 10 });
    expect(decideAccess(req, linkState({ revoked: true, count: 1, deviceLastCountedAt: NOW - 1000 }))).toStrictEqual(
      refused("revoked"),
    );
  });

  it("serves until 30 s after exp and refuses from then on", () => {
    expect(CLOCK_SKEW_SECONDS).toBe(30);
    const exp = NOW_S;
    const at = (ms: number) => decideAccess(get({ claims: claims({ exp }), now: ms }), linkState());
    expect(at(NOW)).toStrictEqual(COUNTED);
    expect(at(NOW + 29_999)).toStrictEqual(COUNTED);
    expect(at(NOW + 30_000)).toStrictEqual(refused("expired"));
    expect(at(NOW + HOUR)).toStrictEqual(refused("expired"));
  });

  it("refuses a resume on an expired link", () => {
    const req = get({ claims: claims({ exp: NOW_S - 3600 }), rangeStart: 10 });
    expect(decideAccess(req, linkState({ count: 1, deviceLastCountedAt: NOW - 1000 }))).toStrictEqual(
      refused("expired"),
    );
  });

  it("lets the store's new expiry win over an earlier exp claim", () => {
    const req = get({ claims: claims({ exp: NOW_S - 86_400 }) });
    expect(decideAccess(req, linkState({ expiresAtOverride: NOW_S + 86_400 }))).toStrictEqual(COUNTED);
  });

  it("lets the store's earlier expiry win over a later exp claim", () => {
    const req = get({ claims: claims({ exp: NOW_S + 86_400 }) });
    expect(decideAccess(req, linkState({ expiresAtOverride: NOW_S - 60 }))).toStrictEqual(refused("expired"));
  });

  it("applies the store's expiry to a link without exp, with the same skew", () => {
    const at = (ms: number) => decideAccess(get({ now: ms }), linkState({ expiresAtOverride: NOW_S }));
    expect(at(NOW + 29_999)).toStrictEqual(COUNTED);
    expect(at(NOW + 30_000)).toStrictEqual(refused("expired"));
  });

  it("refuses a link whose order is not paid yet", () => {
    expect(decideAccess(get(), linkState({ pending: true }))).toStrictEqual(refused("pending"));
    expect(decideAccess(get({ delivers: false }), linkState({ pending: true }))).toStrictEqual(refused("pending"));
    // A hold is the store's word and wins over the payment status (docs/CONTRACT.md §9).
    expect(decideAccess(get(), linkState({ pending: true, held: true }))).toStrictEqual(refused("suspended"));
  });

  it("reports revoked before expired", () => {
    expect(decideAccess(get({ claims: claims({ exp: 1 }) }), linkState({ revoked: true }))).toStrictEqual(
      refused("revoked"),
    );
  });
});

describe("decideAccess: not before", () => {
  it("refuses before nbf minus 30 s and serves from then on", () => {
    const nbf = NOW_S;
    const at = (ms: number) => decideAccess(get({ claims: claims({ nbf }), now: ms }), linkState());
    expect(at(NOW - HOUR)).toStrictEqual(refused("not_yet_valid"));
    expect(at(NOW - 30_001)).toStrictEqual(refused("not_yet_valid"));
    expect(at(NOW - 30_000)).toStrictEqual(COUNTED);
    expect(at(NOW)).toStrictEqual(COUNTED);
  });

  it("refuses a not-yet-valid link even for 304/412/416 answers", () => {
    expect(decideAccess(get({ delivers: false, claims: claims({ nbf: NOW_S + 3600 }) }), linkState())).toStrictEqual(
      refused("not_yet_valid"),
    );
  });
});

describe("decideAccess: client addresses", () => {
  const ips = ["203.0.113.0/24", "2001:db8::/32"];

  it("serves an address inside the allowed blocks", () => {
    expect(decideAccess(get({ claims: claims({ ips }), clientIp: "203.0.113.99" }), linkState())).toStrictEqual(
      COUNTED,
    );
    expect(decideAccess(get({ claims: claims({ ips }), clientIp: "2001:db8:5::1" }), linkState())).toStrictEqual(
      COUNTED,
    );
  });

  it("refuses an address outside the allowed blocks", () => {
    expect(decideAccess(get({ claims: claims({ ips }), clientIp: "198.51.100.1" }), linkState())).toStrictEqual(
      refused("ip_not_allowed"),
    );
  });

  it("refuses an unknown client address when the link is restricted", () => {
    expect(decideAccess(get({ claims: claims({ ips }), clientIp: null }), linkState())).toStrictEqual(
      refused("ip_not_allowed"),
    );
  });

  it("serves an unknown client address when the link is not restricted", () => {
    expect(decideAccess(get({ clientIp: null }), linkState())).toStrictEqual(COUNTED);
  });

  it("reports the address before the limit", () => {
    const req = get({ claims: claims({ ips, lim: 1 }), clientIp: "198.51.100.1" });
    expect(decideAccess(req, linkState({ count: 1 }))).toStrictEqual(refused("ip_not_allowed"));
  });
});

describe("decideAccess: the store's limit overrides", () => {
  it("lets a raised limit override the lim claim", () => {
    const req = get({ claims: claims({ lim: 1 }) });
    expect(decideAccess(req, linkState({ count: 1, limitOverride: 3 }))).toStrictEqual(COUNTED);
    expect(decideAccess(req, linkState({ count: 3, limitOverride: 3 }))).toStrictEqual(refused("limit_reached"));
  });

  it("lets a lowered limit override the lim claim", () => {
    const req = get({ claims: claims({ lim: 5 }) });
    expect(decideAccess(req, linkState({ count: 1, limitOverride: 1 }))).toStrictEqual(refused("limit_reached"));
  });

  it("applies a limit override to a link that had none", () => {
    expect(decideAccess(get(), linkState({ count: 2, limitOverride: 2 }))).toStrictEqual(refused("limit_reached"));
  });

  it("adds extra downloads to the limit", () => {
    const req = get({ claims: claims({ lim: 1 }) });
    expect(decideAccess(req, linkState({ count: 1, extraDownloads: 2 }))).toStrictEqual(COUNTED);
    expect(decideAccess(req, linkState({ count: 2, extraDownloads: 2 }))).toStrictEqual(COUNTED);
    expect(decideAccess(req, linkState({ count: 3, extraDownloads: 2 }))).toStrictEqual(refused("limit_reached"));
  });

  it("adds extra downloads on top of a limit override", () => {
    const req = get({ claims: claims({ lim: 10 }) });
    expect(decideAccess(req, linkState({ count: 3, limitOverride: 2, extraDownloads: 1 }))).toStrictEqual(
      refused("limit_reached"),
    );
    expect(decideAccess(req, linkState({ count: 2, limitOverride: 2, extraDownloads: 1 }))).toStrictEqual(COUNTED);
  });

  it("keeps an unlimited link unlimited when extra downloads are added", () => {
    expect(decideAccess(get(), linkState({ count: 1000, extraDownloads: 2 }))).toStrictEqual(COUNTED);
  });
});

describe("effectiveLimit, effectiveExpiry, isExpired", () => {
  it("computes the limit in force", () => {
    expect(effectiveLimit(claims(), { limitOverride: null, extraDownloads: 0 })).toBeNull();
    expect(effectiveLimit(claims(), { limitOverride: null, extraDownloads: 3 })).toBeNull();
    expect(effectiveLimit(claims({ lim: 2 }), { limitOverride: null, extraDownloads: 0 })).toBe(2);
    expect(effectiveLimit(claims({ lim: 2 }), { limitOverride: null, extraDownloads: 3 })).toBe(5);
    expect(effectiveLimit(claims({ lim: 2 }), { limitOverride: 7, extraDownloads: 1 })).toBe(8);
    expect(effectiveLimit(claims(), { limitOverride: 4, extraDownloads: 0 })).toBe(4);
  });

  it("computes the expiry in force", () => {
    expect(effectiveExpiry(claims(), { expiresAtOverride: null })).toBeNull();
    expect(effectiveExpiry(claims({ exp: 100 }), { expiresAtOverride: null })).toBe(100);
    expect(effectiveExpiry(claims({ exp: 100 }), { expiresAtOverride: 50 })).toBe(50);
    expect(effectiveExpiry(claims(), { expiresAtOverride: 70 })).toBe(70);
  });

  it("judges expiry with the skew", () => {
    expect(isExpired(claims(), { expiresAtOverride: null }, NOW)).toBe(false);
    expect(isExpired(claims({ exp: NOW_S - 30 }), { expiresAtOverride: null }, NOW)).toBe(true);
    expect(isExpired(claims({ exp: NOW_S - 29 }), { expiresAtOverride: null }, NOW)).toBe(false);
  });
});
