/**
 * Issue 9 item 4 and 5 in a real browser: the customer's error pages (English, German)
 * and the hosted order page, rendered by Chromium on a phone-sized window, checked for
 * their text and for fitting the screen, with screenshots in test-output/browser/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { OrderView } from "../helpers/answers.ts";
import { fileBytes, OUTPUT_DIR, sha256, startWorld, STORE_SETTINGS, type World } from "./world.ts";

const ALBUM = { id: "album", name: "Night Songs (Deluxe).zip", size: 2 * 1024 * 1024 };
const BOOKLET = { id: "booklet", name: "Liner notes.pdf", size: 200 * 1024 };
let world: World;
let albumBytes: Buffer;

beforeAll(async () => {
  world = await startWorld("pages");
  albumBytes = fileBytes(ALBUM.size, 5);
  await world.upload(ALBUM.id, ALBUM.name, albumBytes, "application/zip");
  await world.upload(BOOKLET.id, BOOKLET.name, fileBytes(BOOKLET.size, 6), "application/pdf");
});

afterAll(async () => {
  await world?.stop();
});

async function newPage(language: string): Promise<Page> {
  const page = await world.context.newPage();
  await page.setExtraHTTPHeaders({ "Accept-Language": language });
  return page;
}

/** The page fits a 390 px phone screen: no sideways scrolling, and a screenshot of it. */
async function checkOnPhone(page: Page, name: string): Promise<void> {
  // Evaluated in the page (a string: this file is type-checked without the DOM library).
  const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}

/** A used-up link: limit 1, downloaded once by another client. */
async function usedUpLink(): Promise<string> {
  const order = await world.order([{ id: BOOKLET.id, product: "Liner notes", limit: 1 }]);
  const url = order.files[0]?.download_url as string;
  const first = await fetch(url);
  await first.arrayBuffer();
  expect(first.status).toBe(200);
  return url;
}

describe("customer error pages in Chromium", () => {
  it("limit reached, in English: store name, 'used 1 of 1', support button, link back", async () => {
    const page = await newPage("en-GB,en;q=0.9");
    const response = await page.goto(await usedUpLink());
    expect(response?.status()).toBe(403);
    await expect.poll(() => page.title()).toBe(`Download limit reached · ${STORE_SETTINGS.store_name}`);
    expect(await page.locator("header").innerText()).toBe(STORE_SETTINGS.store_name);
    expect(await page.locator("h1").innerText()).toBe("Download limit reached");
    const text = await page.locator("main").innerText();
    expect(text).toContain("You have used 1 of 1 download.");
    expect(text).toContain("If you need help, contact the store's support.");
    // The page's own style sheet applies (an escaped one made Chromium drop the font: Times).
    expect(String(await page.evaluate("getComputedStyle(document.body).fontFamily"))).toContain("Segoe UI");
    expect(await page.evaluate("getComputedStyle(document.body).fontSize")).toBe("17px");
    expect(await page.getByRole("link", { name: "Contact support" }).getAttribute("href")).toBe(
      STORE_SETTINGS.support_url,
    );
    expect(await page.getByRole("link", { name: `← Back to ${STORE_SETTINGS.store_name}` }).getAttribute("href")).toBe(
      STORE_SETTINGS.store_url,
    );
    await checkOnPhone(page, "error-limit-reached-en");
    await page.close();
  });

  it("limit reached, in German", async () => {
    const page = await newPage("de-DE,de;q=0.9,en;q=0.5");
    const response = await page.goto(await usedUpLink());
    expect(response?.status()).toBe(403);
    expect(await page.locator("html").getAttribute("lang")).toBe("de");
    expect(await page.locator("h1").innerText()).toBe("Download-Limit erreicht");
    const text = await page.locator("main").innerText();
    expect(text).toContain("Sie haben 1 von 1 Download genutzt.");
    expect(text).toContain("Kundendienst kontaktieren");
    expect(text).toContain(`Zurück zu ${STORE_SETTINGS.store_name}`);
    await checkOnPhone(page, "error-limit-reached-de");
    await page.close();
  });

  it("a link that needs a sign-in sends the customer to the store's sign-in page", async () => {
    const order = await world.admin<OrderView>("POST", "/orders", {
      order_number: `login-${Date.now().toString(36)}`,
      customer_id: "customer-7",
      items: [{ product: { id: "p", name: "Members' album" }, file_ids: [ALBUM.id], grant: { require_login: true } }],
    });
    const page = await newPage("en");
    const response = await page.goto(order.items[0]?.files[0]?.download_url as string);
    expect(response?.status()).toBe(401);
    expect(await page.locator("h1").innerText()).toBe("Please sign in to download");
    expect(await page.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe(STORE_SETTINGS.sign_in_url);
    await checkOnPhone(page, "error-auth-required-en");
    await page.close();
  });

  it("a broken link, in German, asks for a new link", async () => {
    const page = await newPage("de");
    const response = await page.goto(`${world.baseUrl}/downloads/not-a-real-link`);
    expect(response?.status()).toBe(403);
    expect(await page.locator("h1").innerText()).toBe("Dieser Download-Link ist ungültig");
    expect(await page.locator("main").innerText()).toContain("Bitten Sie den Shop um einen neuen Download-Link.");
    await checkOnPhone(page, "error-invalid-token-de");
    await page.close();
  });
});

describe("the hosted order page in Chromium", () => {
  it("lists the files with size, downloads left and expiry; its button downloads the file, counted once", async () => {
    const order = await world.order([
      { id: ALBUM.id, product: "Night Songs", limit: 3 },
      { id: BOOKLET.id, product: "Night Songs — liner notes", limit: 5 },
    ]);
    const page = await newPage("en-US,en;q=0.9");
    const response = await page.goto(`${world.baseUrl}/o/${order.access_key}`);
    expect(response?.status()).toBe(200);
    expect(await page.locator("h1").innerText()).toBe(`Your downloads for order ${order.order_number}`);
    const items = page.locator("ul.files li");
    expect(await items.count()).toBe(2);
    const album = items.filter({ hasText: ALBUM.name });
    expect(await album.innerText()).toMatch(/Size: 2MB · 3 of 3 downloads left · Available until .+ UTC/);
    expect(await items.filter({ hasText: BOOKLET.name }).innerText()).toContain("5 of 5 downloads left");
    await checkOnPhone(page, "order-page-en");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      album.getByRole("link", { name: "Download" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(ALBUM.name);
    expect(sha256(readFileSync(await download.path()))).toBe(sha256(albumBytes));
    expect(await world.count(order.files[0]?.download_url as string)).toBe(1);
    await page.close();
  });

  it("a pending order says it waits for payment and shows no buttons", async () => {
    const order = await world.order([{ id: ALBUM.id, product: "Night Songs" }], "pending");
    const page = await newPage("fr-FR,fr;q=0.9");
    const response = await page.goto(`${world.baseUrl}/o/${order.access_key}`);
    expect(response?.status()).toBe(200);
    expect(await page.locator("main").innerText()).toContain("Cette commande attend son paiement.");
    expect(await page.getByRole("link", { name: "Télécharger" }).count()).toBe(0);
    await checkOnPhone(page, "order-page-pending-fr");
    await page.close();
  });

  it("an unknown order key gets a 404 page in Spanish", async () => {
    const page = await newPage("es-ES,es;q=0.9");
    const response = await page.goto(`${world.baseUrl}/o/${"x".repeat(32)}`);
    expect(response?.status()).toBe(404);
    expect(await page.locator("h1").innerText()).toBe("No encontrado");
    expect(await page.locator("header").innerText()).toBe(STORE_SETTINGS.store_name);
    await checkOnPhone(page, "order-page-not-found-es");
    await page.close();
  });
});
