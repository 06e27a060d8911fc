/**
 * Issue 9 item 5: `GET /o/<access key>`, the hosted downloads page of one order. No
 * login (the access key is the credential), rate limited like the seed-002 lookup,
 * every answer a page a customer can read.
 */
import { describe, expect, it } from "vitest";
import {
  admin,
  createTenantWithAdminKey,
  fetchUrl,
  placeOrder,
  uploadFile,
  type IssuerTenant,
  type OrderView,
} from "../helpers/issuer.ts";
import { downloadAndMirror, freshClientIp } from "../helpers/profiles.ts";
import { withinOneRateWindow } from "../helpers/rateWindow.ts";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const STORE = { store_name: "Tiny <Press>", store_url: "https://press.example/" };

async function shop(settings: Record<string, unknown> = STORE): Promise<IssuerTenant> {
  return createTenantWithAdminKey({ settings });
}

/** An order of two files: an album (limit 3, 30 days) and a booklet (unlimited, no expiry). */
async function order(tenant: IssuerTenant, status: "complete" | "pending" = "complete"): Promise<OrderView> {
  const album = await uploadFile(tenant, { name: "Album & Bonus.zip", size: 3000, seed: 1 });
  const booklet = await uploadFile(tenant, { name: "Booklet.pdf", size: 1200, seed: 2 });
  return placeOrder(tenant, {
    order_number: `A-${crypto.randomUUID().slice(0, 8)}`,
    customer_id: "cust-1",
    status,
    items: [
      {
        product: { id: "p-1", name: "Album", variant_name: "Deluxe" },
        file_ids: [album.id],
        grant: { download_limit: 3, expires_in_days: 30 },
      },
      { product: { id: "p-2", name: "Booklet" }, file_ids: [booklet.id] },
    ],
  });
}

function page(tenant: IssuerTenant, key: string, init: { ip?: string; language?: string; method?: string } = {}) {
  return fetchUrl(`https://${tenant.host}/o/${key}`, {
    method: init.method ?? "GET",
    headers: {
      Accept: BROWSER_ACCEPT,
      "Accept-Language": init.language ?? "en",
      "CF-Connecting-IP": init.ip ?? freshClientIp(),
    },
  });
}

/** The Download buttons' URLs, in page order. */
function buttons(text: string): string[] {
  return [...text.matchAll(/<a class="button" href="([^"]+)"[^>]*>/g)].map((m) => (m[1] ?? "").replace(/&#38;/g, "&"));
}

describe("GET /o/<access key>: the hosted downloads page", () => {
  it("lists every file with size, downloads left, expiry and a Download button that works", async () => {
    const tenant = await shop();
    const placed = await order(tenant);
    const response = await page(tenant, placed.access_key);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    const text = await response.text();
    expect(text).toContain(`<h1>Your downloads for order ${placed.order_number}</h1>`);
    expect(text).toContain("<header>Tiny &#60;Press&#62;</header>");
    expect(text).toContain("Album &#38; Bonus.zip");
    expect(text).toContain("Album — Deluxe");
    expect(text).toContain("Size: 2.9KB · 3 of 3 downloads left · Available until ");
    expect(text).toContain("Booklet.pdf");
    expect(text).toContain("Size: 1.2KB · Unlimited downloads · No expiry date");
    expect(text).toContain("anyone who has it can download these files");

    const urls = buttons(text);
    expect(urls).toHaveLength(2);
    const album = placed.items[0]?.files[0];
    expect(await downloadAndMirror(tenant.id, urls[0] as string)).toBe(200);
    const again = await (await page(tenant, placed.access_key)).text();
    expect(again).toContain("2 of 3 downloads left");
    expect(album?.name).toBe("Album & Bonus.zip");
  });

  it("shows a used-up file without a button", async () => {
    const tenant = await shop();
    const placed = await order(tenant);
    for (let i = 0; i < 3; i++) {
      const url = buttons(await (await page(tenant, placed.access_key)).text())[0] as string;
      expect(await downloadAndMirror(tenant.id, url)).toBe(200);
    }
    const text = await (await page(tenant, placed.access_key)).text();
    expect(text).toContain("0 of 3 downloads left");
    expect(text).toContain("<strong>All downloads used</strong>");
    expect(buttons(text)).toHaveLength(1);
  });

  it("says a pending order waits for payment, with no buttons", async () => {
    const tenant = await shop();
    const placed = await order(tenant, "pending");
    const text = await (await page(tenant, placed.access_key)).text();
    expect(text).toContain("This order is waiting for payment.");
    expect(text).toContain("Booklet.pdf");
    expect(buttons(text)).toEqual([]);
    expect(text).not.toContain("/downloads/");
  });

  it("says a canceled order was canceled, with no buttons", async () => {
    const tenant = await shop();
    const placed = await order(tenant);
    expect((await admin(tenant, "POST", `/orders/${placed.order_number}/cancel`)).status).toBe(200);
    const text = await (await page(tenant, placed.access_key)).text();
    expect(text).toContain("This order was canceled, so its files can no longer be downloaded.");
    expect(buttons(text)).toEqual([]);
    expect(text).not.toContain("/downloads/");
  });

  it("speaks German to a German browser", async () => {
    const tenant = await shop();
    const placed = await order(tenant);
    const response = await page(tenant, placed.access_key, { language: "de-DE,de;q=0.9" });
    const text = await response.text();
    expect(response.headers.get("Content-Language")).toBe("de");
    expect(text).toContain(`Ihre Downloads zur Bestellung ${placed.order_number}`);
    expect(text).toContain("3 von 3 Downloads übrig");
    expect(text).toContain(">Herunterladen</a>");
  });

  it("answers an unknown or malformed key with a 404 page, also to a client that did not ask for HTML", async () => {
    const tenant = await shop();
    for (const key of ["A".repeat(32), "short", "bad%20key-0123456789abcdef"]) {
      const response = await fetchUrl(`https://${tenant.host}/o/${key}`, {
        headers: { "CF-Connecting-IP": freshClientIp() },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
      const text = await response.text();
      expect(text).toContain("<h1>Not found</h1>");
      expect(text).toContain("<header>Tiny &#60;Press&#62;</header>");
    }
  });

  it("never shows one store's order on another store's host", async () => {
    const shopA = await shop();
    const shopB = await shop();
    const placed = await order(shopA);
    expect((await page(shopB, placed.access_key)).status).toBe(404);
    const crossPrefix = await fetchUrl(`https://${shopB.host}/api/${shopA.id}/o/${placed.access_key}`, {
      headers: { Accept: BROWSER_ACCEPT, "CF-Connecting-IP": freshClientIp() },
    });
    expect(crossPrefix.status).toBe(404);
    expect(await crossPrefix.text()).not.toContain(placed.order_number);
  });

  it("is served under /api/<tenant>/o/ on a host of no tenant", async () => {
    const tenant = await shop();
    const placed = await order(tenant);
    const response = await fetchUrl(`https://shared-gateway.test/api/${tenant.id}/o/${placed.access_key}`, {
      headers: { Accept: BROWSER_ACCEPT, "CF-Connecting-IP": freshClientIp() },
    });
    expect(response.status).toBe(200);
    const urls = buttons(await response.text());
    expect(urls[0]).toMatch(new RegExp(`^https://shared-gateway.test/api/${tenant.id}/downloads/`));
  });

  it("rate limits lookups per address: after 20 in a minute a 429 page with Retry-After, even for the real key", async () => {
    const tenant = await shop();
    const placed = await order(tenant);
    const guesser = freshClientIp();
    await withinOneRateWindow(60);
    for (let i = 0; i < 20; i++) {
      const guess = crypto.randomUUID().replace(/-/g, "");
      expect((await page(tenant, guess, { ip: guesser })).status).toBe(404);
    }
    const limited = await page(tenant, placed.access_key, { ip: guesser });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("60");
    const text = await limited.text();
    expect(text).toContain("<h1>Too many requests</h1>");
    expect(text).not.toContain(placed.order_number);
    expect((await page(tenant, placed.access_key)).status).toBe(200);
  });

  it("answers HEAD with the page's status and headers and no body", async () => {
    const tenant = await shop();
    const placed = await order(tenant);
    const response = await page(tenant, placed.access_key, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(await response.text()).toBe("");
  });
});
