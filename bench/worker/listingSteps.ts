// The customer listing's CPU, step by step (issue 13, target 3): the gateway's own
// downloadsListing() over 1,000 rows shaped like the bench's order (20 items × 50 files),
// with every URL signed afresh, with the tokens remembered, and the JSON it answers.
import { json } from "../../src/http/json.ts";
import type { OrderLinkRow } from "../../src/listings/orderRows.ts";
import { downloadsListing } from "../../src/listings/orderViews.ts";
import type { Tenant } from "../../src/tenants/loadTenant.ts";
import { parseTenantSettings } from "../../src/tenants/tenantSettings.ts";
import { importHmacKey, type VerificationKey } from "../../src/token/keyring.ts";
import { listingFloorRows } from "../../src/routes/service/benchBaseline.ts";

export const LISTING_STEPS = ["listing-signed", "listing-cached", "listing-json", "listing-floor-json"] as const;
export type ListingStep = (typeof LISTING_STEPS)[number];

const BASE_URL = "http://127.0.0.1:8799/api/bench";

function rows(): OrderLinkRow[] {
  const order = {
    tenantId: "bench",
    number: "BIG-1",
    customerId: "big-customer",
    status: "complete" as const,
    purchasedAt: 1_764_000_000,
    accessKey: "k".repeat(32),
    createdAt: 1_764_000_000,
    heldAt: null,
    holdReason: null,
  };
  return Array.from({ length: 1000 }, (_, i) => {
    const position = Math.floor(i / 50);
    const fileId = `f${i % 50}`;
    return {
      order,
      item: {
        id: `item-${position}`,
        tenantId: "bench",
        orderNumber: "BIG-1",
        position,
        productId: `p${position}`,
        productName: `Product ${position}`,
        productSlug: null,
        variantName: null,
        sku: null,
        vendor: null,
        tags: "[]",
      },
      link: {
        tenantId: "bench",
        id: `lnk_${position}_${fileId}_0123456789`,
        orderNumber: "BIG-1",
        itemId: `item-${position}`,
        fileId,
        customerId: "big-customer",
        downloadLimit: null,
        expiresAt: null,
        downloadCount: 0,
        limitOverride: null,
        extraDownloads: 0,
        expiresAtOverride: null,
        canceledCount: 0,
        ipRestriction: null,
        deviceLimit: null,
        requireLogin: false,
        allowedCountries: null,
        blockedCountries: null,
        held: false,
        suspended: false,
        revoked: false,
        lastDownloadAt: null,
        countVersion: 0,
      },
      file: { name: `file-${i % 50}.pdf`, size: 1024 },
    };
  });
}

let fixture: Promise<{ rows: OrderLinkRow[]; signingKey: VerificationKey }> | null = null;

async function tenantWith(signingKey: VerificationKey): Promise<Tenant> {
  return {
    id: "bench",
    name: "Bench Store",
    originUrl: null,
    settings: parseTenantSettings("{}"),
    keyring: new Map([[signingKey.kid, signingKey]]),
    signingKey,
    customerKey: null,
  };
}

async function freshKey(): Promise<VerificationKey> {
  return { kid: "bench", alg: "HS256", key: await importHmacKey(new TextEncoder().encode("bench-listing-secret")) };
}

/** n listings of 1,000 links; the figure the bench prints is per listing. */
export async function profileListingStep(step: ListingStep, n: number): Promise<number> {
  fixture ??= (async () => ({ rows: rows(), signingKey: await freshKey() }))();
  const { rows: all, signingKey } = await fixture;
  let sink = 0;
  switch (step) {
    case "listing-signed":
      // A new key object per listing: nothing remembered, every token signed (as before the cache).
      for (let i = 0; i < n; i++) {
        sink += (await downloadsListing(await tenantWith(await freshKey()), BASE_URL, all, false)).data.length;
      }
      return sink;
    case "listing-cached": {
      const tenant = await tenantWith(signingKey);
      for (let i = 0; i < n; i++) sink += (await downloadsListing(tenant, BASE_URL, all, false)).data.length;
      return sink;
    }
    case "listing-json": {
      const listing = await downloadsListing(await tenantWith(signingKey), BASE_URL, all, false);
      for (let i = 0; i < n; i++) sink += (await json(listing).arrayBuffer()).byteLength;
      return sink;
    }
    case "listing-floor-json": {
      // What the floor route answers for the same rows (routes/service/benchBaseline.ts).
      const data = listingFloorRows(all);
      for (let i = 0; i < n; i++) sink += (await json({ data }).arrayBuffer()).byteLength;
      return sink;
    }
  }
}
