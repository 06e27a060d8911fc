/**
 * The one formula for a link's figures (src/policy/linkFigures.ts): the D1-row form used by
 * the listings and the claims form used by /info give the same figures for the same link,
 * and a link's status is "available" exactly when the access decision would count a
 * download, with the refusal named the same way.
 */
import { describe, expect, it } from "vitest";
import { links } from "../../src/db/schema.ts";
import { decideAccess } from "../../src/policy/decideAccess.ts";
import { claimFigures, CLOCK_SKEW_SECONDS, linkFigures, type LinkStatus } from "../../src/policy/linkFigures.ts";
import type { Claims } from "../../src/token/claims.ts";
import { linkState } from "../helpers/linkState.ts";

const NOW = 1_750_000_000_000;
const NOW_S = NOW / 1000;

function row(extra: Partial<typeof links.$inferSelect> = {}): typeof links.$inferSelect {
  return {
    tenantId: "t",
    id: "l",
    orderNumber: "1001",
    itemId: "i",
    fileId: "f",
    customerId: "c",
    downloadLimit: null,
    expiresAt: null,
    downloadCount: 0,
    limitOverride: null,
    extraDownloads: 0,
    expiresAtOverride: null,
    canceledCount: 0,
    ipRestriction: null,
    deviceLimit: null,
    allowedCountries: null,
    blockedCountries: null,
    requireLogin: false,
    revoked: false,
    held: false,
    suspended: false,
    lastDownloadAt: null,
    countVersion: 0,
    ...extra,
  };
}

const cases: {
  name: string;
  row: Partial<typeof links.$inferSelect>;
  order?: "pending" | "complete" | "canceled";
  status: LinkStatus;
}[] = [
  { name: "unlimited, no expiry", row: {}, status: "available" },
  { name: "one of three used", row: { downloadLimit: 3, downloadCount: 1 }, status: "available" },
  { name: "all used", row: { downloadLimit: 3, downloadCount: 3 }, status: "exhausted" },
  {
    name: "all used, 2 extra given",
    row: { downloadLimit: 3, downloadCount: 3, extraDownloads: 2 },
    status: "available",
  },
  {
    name: "override lowers the grant",
    row: { downloadLimit: 5, limitOverride: 1, downloadCount: 1 },
    status: "exhausted",
  },
  { name: "expired past the skew", row: { expiresAt: NOW_S - CLOCK_SKEW_SECONDS - 1 }, status: "expired" },
  { name: "expired, within the skew", row: { expiresAt: NOW_S - 1 }, status: "available" },
  {
    name: "override extends an expired grant",
    row: { expiresAt: NOW_S - 3600, expiresAtOverride: NOW_S + 3600 },
    status: "available",
  },
  {
    name: "revoked beats expired and exhausted",
    row: { revoked: true, expiresAt: NOW_S - 3600, downloadLimit: 1, downloadCount: 1 },
    status: "revoked",
  },
  { name: "pending order", row: { expiresAt: NOW_S - 3600 }, order: "pending", status: "pending" },
  { name: "canceled order", row: {}, order: "canceled", status: "revoked" },
  { name: "held order", row: { held: true, downloadLimit: 1, downloadCount: 1 }, status: "suspended" },
  { name: "held order, still unpaid", row: { held: true }, order: "pending", status: "suspended" },
  { name: "blocked for sharing, also expired", row: { suspended: true, expiresAt: NOW_S - 3600 }, status: "suspended" },
  { name: "revoked and blocked", row: { suspended: true, revoked: true }, status: "revoked" },
];

const REFUSAL: Record<LinkStatus, string | null> = {
  available: null,
  pending: "pending",
  suspended: "suspended",
  expired: "expired",
  exhausted: "limit_reached",
  revoked: "revoked",
  // Never the link's own decision: the Worker finds no file and answers 404 before asking it.
  removed: null,
  not_yet_valid: "not_yet_valid",
};

/** A whole-file GET with `claims` at NOW, as the access decision takes it. */
function downloadRequest(claims: Claims) {
  return {
    claims,
    clientIp: null,
    device: "d",
    delivers: true,
    sendsBody: true,
    rangeStart: null,
    now: NOW,
    resumeWindowMs: 0,
  };
}

describe("linkFigures: one formula for every view", () => {
  for (const c of cases) {
    it(`${c.name}: ${c.status}, the same from the D1 row, the claims and the access decision`, () => {
      const r = row(c.row);
      const order = c.order ?? "complete";
      const fromRow = linkFigures(r, order, NOW);
      expect(fromRow.status).toBe(c.status);

      const claims: Claims = {
        iss: "shop",
        lid: "l",
        fid: "f",
        ...(r.downloadLimit === null ? {} : { lim: r.downloadLimit }),
        ...(r.expiresAt === null ? {} : { exp: r.expiresAt }),
      };
      const state = linkState({
        count: r.downloadCount,
        revoked: r.revoked || order === "canceled",
        pending: order === "pending",
        held: r.held,
        suspended: r.suspended,
        limitOverride: r.limitOverride,
        extraDownloads: r.extraDownloads,
        expiresAtOverride: r.expiresAtOverride,
      });
      expect(claimFigures(claims, state, NOW)).toStrictEqual(fromRow);

      const decision = decideAccess(downloadRequest(claims), state);
      expect(decision.ok ? null : decision.reason).toBe(REFUSAL[c.status]);
    });
  }

  it("says removed for a usable link whose file was deleted, and keeps every other reason first", () => {
    expect(linkFigures(row({}), "complete", NOW, true).status).toBe("removed");
    expect(linkFigures(row({}), "complete", NOW, false).status).toBe("available");
    // A link that would be refused anyway says why: that is what a download would answer.
    expect(linkFigures(row({ revoked: true }), "complete", NOW, true).status).toBe("revoked");
    expect(linkFigures(row({}), "pending", NOW, true).status).toBe("pending");
    expect(linkFigures(row({ expiresAt: NOW_S - 3600 }), "complete", NOW, true).status).toBe("expired");
    expect(linkFigures(row({ downloadLimit: 1, downloadCount: 1 }), "complete", NOW, true).status).toBe("exhausted");
  });

  it("says not_yet_valid for a token whose nbf is ahead, before any other reason, as the decision does", () => {
    const nbf = NOW_S + 3600;
    const state = linkState({ count: 0, revoked: true });
    expect(claimFigures({ nbf }, state, NOW).status).toBe("not_yet_valid");
    expect(claimFigures({ nbf: NOW_S - 10 }, state, NOW).status).toBe("revoked");
    const claims: Claims = { iss: "shop", lid: "l", fid: "f", nbf };
    expect(decideAccess(downloadRequest(claims), state)).toEqual({ ok: false, reason: "not_yet_valid" });
  });

  it("counts what is left, never below zero", () => {
    expect(linkFigures(row({ downloadLimit: 3, downloadCount: 1 }), "complete", NOW)).toMatchObject({
      limit: 3,
      remaining: 2,
      isLimitReached: false,
    });
    expect(linkFigures(row({ downloadLimit: 5, limitOverride: 2, downloadCount: 4 }), "complete", NOW)).toMatchObject({
      limit: 2,
      remaining: 0,
      isLimitReached: true,
    });
    expect(linkFigures(row({ downloadCount: 9 }), "complete", NOW)).toMatchObject({ limit: null, remaining: null });
  });
});
