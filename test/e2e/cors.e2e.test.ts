/**
 * CORS in a real browser: Debian's Chromium (never a downloaded one), driven by
 * playwright-core, on a storefront page served from another origin than the gateway
 * (`wrangler dev`). The page calls `/my/downloads` with a Bearer token (preflighted) and
 * with the store's session cookie and `credentials: "include"`; a page on an origin the
 * tenant did not list is blocked by the browser. Also renders `/docs` in the browser.
 */
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from "./chromium.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreatedTenant, DownloadInfo, DownloadsListing } from "../helpers/answers.ts";
import { freePort, startTestGateway, type TestGateway } from "./gatewayProcess.ts";

const CUSTOMER_SECRET = "storefront-customer-secret-0123456789";
const CUSTOMER = "cust-browser-1";
const SESSION_COOKIE = "shop_session";

let gateway: TestGateway;
let storefront: Server;
let storefrontPort: number;
let context: BrowserContext;
let userDataDir: string;
let orderNumber: string;

/** The gateway as the browser and the store reach it: host `localhost`, the tenant's host. */
const gatewayUrl = (path: string) => `http://localhost:${gateway.port}${path}`;

function customerJwt(): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(CUSTOMER)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(CUSTOMER_SECRET));
}

async function call<T>(path: string, init: RequestInit & { bearer: string }): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${init.bearer}`);
  const response = await fetch(gatewayUrl(`/admin/v1${path}`), { ...init, headers });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(body)}`);
  return body as T;
}

/**
 * The store's page. Like a real storefront after sign-in, it sets the customer's session
 * cookie (a customer JWT the gateway is configured to read) on its own domain: cookies are
 * per host, not per port, so the browser also sends it to the gateway on `localhost`.
 */
function startStorefront(port: number, token: string): Promise<Server> {
  const server = createServer((request, response) => {
    response.writeHead(200, {
      "Content-Type": "text/html; charset=utf-8",
      "Set-Cookie": `${SESSION_COOKIE}=${token}; Path=/; SameSite=Lax; HttpOnly`,
    });
    response.end(`<!doctype html><title>Shop</title><h1>My downloads</h1><ul id="downloads"></ul>`);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

interface PageFetch {
  ok: boolean;
  status?: number;
  orders?: string[];
  error?: string;
}

/** Runs fetch() inside the page, as the storefront's own script would. */
function fetchFromPage(page: Page, url: string, init: { bearer?: string; credentials?: "include" | "omit" }) {
  return page.evaluate(
    async ({ url, bearer, credentials }): Promise<PageFetch> => {
      try {
        // `credentials` is browser fetch (the Workers types this file is checked with lack it).
        const init: Record<string, unknown> = { credentials };
        if (bearer) init.headers = { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json" };
        const response = await fetch(url, init);
        // A refusal answers an error body, without `data`.
        const body = (await response.json()) as Partial<DownloadsListing>;
        return {
          ok: true,
          status: response.status,
          orders: (body.data ?? []).map((entry) => entry.order_number),
        };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    },
    { url, bearer: init.bearer, credentials: init.credentials },
  );
}

beforeAll(async () => {
  // Fail, never skip: a missing browser must not turn this test green.
  requireChromium();
  gateway = await startTestGateway("cors");
  storefrontPort = await freePort();
  const storeOrigin = `http://localhost:${storefrontPort}`;

  const created = await call<CreatedTenant>("/tenants", {
    method: "POST",
    bearer: gateway.operatorSecret,
    body: JSON.stringify({
      id: "shop",
      name: "Browser Shop",
      hosts: ["localhost"],
      customer_secret: CUSTOMER_SECRET,
      settings: { allowed_origins: [storeOrigin], customer_auth: { mode: "jwt", cookie: SESSION_COOKIE } },
    }),
    headers: { "Content-Type": "application/json" },
  });
  const adminKey = created.admin_key;
  await call("/files/guide?name=guide.pdf", {
    method: "PUT",
    bearer: adminKey,
    body: "%PDF-1.4 a tiny guide",
    headers: { "Content-Type": "application/pdf" },
  });
  orderNumber = `B-${Date.now()}`;
  await call("/orders", {
    method: "POST",
    bearer: adminKey,
    body: JSON.stringify({
      order_number: orderNumber,
      customer_id: CUSTOMER,
      status: "complete",
      items: [{ product: { id: "guide", name: "Guide" }, file_ids: ["guide"], grant: { download_limit: 3 } }],
    }),
    headers: { "Content-Type": "application/json" },
  });

  storefront = await startStorefront(storefrontPort, await customerJwt());
  userDataDir = mkdtempSync(join(tmpdir(), "dlgate-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
});

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (storefront ? storefront.close(resolve) : resolve(undefined)));
  await gateway?.stop();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe("a storefront page on another origin", () => {
  it("reads /my/downloads with a Bearer token (the preflight answered by the gateway)", async () => {
    const page = await context.newPage();
    await page.goto(`http://localhost:${storefrontPort}/`);
    const answer = page.waitForResponse((response) => response.url() === gatewayUrl("/my/downloads"));
    const result = await fetchFromPage(page, gatewayUrl("/my/downloads"), { bearer: await customerJwt() });
    expect(result).toEqual({ ok: true, status: 200, orders: [orderNumber] });
    expect((await answer).headers()).toMatchObject({
      "access-control-allow-origin": `http://localhost:${storefrontPort}`,
      "access-control-allow-credentials": "true",
    });
    await page.close();
  });

  it("reads /my/downloads with the store's cookie and credentials: include", async () => {
    const page = await context.newPage();
    await page.goto(`http://localhost:${storefrontPort}/`);
    const cookies = await context.cookies(gatewayUrl("/"));
    expect(cookies.map((c) => c.name)).toContain(SESSION_COOKIE);
    const result = await fetchFromPage(page, gatewayUrl("/my/downloads"), { credentials: "include" });
    // Only a customer identified by the cookie gets their order: without it the answer is 401.
    expect(result).toEqual({ ok: true, status: 200, orders: [orderNumber] });
    await page.close();
  });

  it("reads the link's /info from the listing's download URL", async () => {
    const page = await context.newPage();
    await page.goto(`http://localhost:${storefrontPort}/`);
    const info = await page.evaluate(async (url) => {
      const include: Record<string, unknown> = { credentials: "include" };
      const listing = (await (await fetch(url, include)).json()) as DownloadsListing;
      const downloadUrl = listing.data[0]?.files[0]?.download_url ?? "";
      const response = await fetch(`${downloadUrl}/info`);
      return { status: response.status, body: (await response.json()) as DownloadInfo };
    }, gatewayUrl("/my/downloads"));
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ download_count: 0, download_limit: 3, remaining_downloads: 3 });
    await page.close();
  });

  it("is blocked by the browser on an origin the tenant did not list", async () => {
    const page = await context.newPage();
    // Same page server, other origin: 127.0.0.1 is not in allowed_origins.
    await page.goto(`http://127.0.0.1:${storefrontPort}/`);
    const withToken = await fetchFromPage(page, gatewayUrl("/my/downloads"), { bearer: await customerJwt() });
    expect(withToken.ok).toBe(false);
    expect(withToken.error).toMatch(/Failed to fetch/);
    const withCookie = await fetchFromPage(page, gatewayUrl("/my/downloads"), { credentials: "include" });
    expect(withCookie.ok).toBe(false);
    await page.close();
  });
});

describe("/docs in the browser", () => {
  it("renders every operation of /openapi.json, loading nothing from another host", async () => {
    const page = await context.newPage();
    const hosts = new Set<string>();
    const problems: string[] = [];
    page.on("request", (request) => hosts.add(new URL(request.url()).host));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(gatewayUrl("/docs"));
    await page.waitForSelector("details.op");
    const doc = (await (await fetch(gatewayUrl("/openapi.json"))).json()) as { paths: Record<string, object> };
    const methods = new Set(["get", "head", "post", "put", "patch", "delete", "options"]);
    const operations = Object.values(doc.paths).reduce(
      (n, item) => n + Object.keys(item).filter((key) => methods.has(key)).length,
      0,
    );
    expect(await page.locator("details.op").count()).toBe(operations);
    await page.locator("details.op summary").first().click();
    expect(await page.locator("#schemas").count()).toBe(1);
    expect(problems).toEqual([]);
    expect([...hosts]).toEqual([`localhost:${gateway.port}`]);
    await page.close();
  });
});
