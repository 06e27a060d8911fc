/**
 * The browser tier's world: a real `wrangler dev` on a free port with its own state
 * directory (like test/e2e), a tiny storefront origin behind it (so store pages and
 * download links share one origin, as when the gateway sits in front of a shop), and
 * Debian's Chromium driven by playwright-core with an empty profile. Never a downloaded
 * browser: when /usr/bin/chromium is missing the tier fails (CI installs it, .ci/run).
 */
import { createHash, createCipheriv } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from "../e2e/chromium.ts";
import {
  applyMigrations,
  ensureDevVars,
  type LocalGateway,
  type LocalTenant,
  startWranglerDev,
  upsertAdminKey,
  upsertTenant,
  withLocalBindings,
} from "../../scripts/lib/localGateway.ts";
import type { DownloadInfo, FileEntry, OrderView } from "../helpers/answers.ts";

export const TENANT = "browser-store";
export const STORE_SETTINGS = {
  store_name: "Maple & Ink Books",
  store_url: "https://maple-ink.example/",
  support_url: "https://maple-ink.example/support",
  sign_in_url: "https://maple-ink.example/account/login",
};
/** The tenant's HS256 signing key, for tokens a test signs by hand. */
export const KEY = { kid: "browser", secret: "dlgate-browser-tier-secret-only-for-tests" };
const ADMIN_KEY = "dlgk_b0b0b0b0_browser-tier-admin-key-only-for-tests-00000";
/** Screenshots and saved pages, ignored by git. */
export const OUTPUT_DIR = join(process.cwd(), "test-output", "browser");

/** Deterministic pseudo-random bytes (AES-128-CTR keystream), different per seed. */
export function fileBytes(size: number, seed: number): Buffer {
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, seed), Buffer.alloc(16, 0));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** One store page the origin serves at `/shop/<name>`. */
export type StorePages = Map<string, string>;

/** The storefront origin: serves the HTML pages a test puts in `pages`, 404 otherwise. */
async function startStoreOrigin(pages: StorePages): Promise<{ url: string; server: Server }> {
  const server = createHttpServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://origin").pathname;
    const page = pages.get(path);
    response.writeHead(page === undefined ? 404 : 200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(page ?? "<!doctype html><title>Not found</title>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("store origin has no port");
  return { url: `http://127.0.0.1:${address.port}`, server };
}

export interface World {
  baseUrl: string;
  context: BrowserContext;
  pages: StorePages;
  /** Issuer API call with the tenant's admin key; throws on an unexpected status. */
  admin<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: BodyInit | object,
    status?: number,
  ): Promise<T>;
  /** Uploads `bytes` as a file of the store. */
  upload(id: string, name: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  /** Places an order of the given files (one item each) and returns its view. */
  order(
    files: { id: string; product: string; limit?: number }[],
    status?: "complete" | "pending",
  ): Promise<{ order_number: string; access_key: string; files: FileEntry[] }>;
  /** The link's download count as `/info` reports it. */
  count(downloadUrl: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts everything; `name` keeps each test file's state apart. */
export async function startWorld(name: string, settings: LocalTenant["settings"] = {}): Promise<World> {
  // The tier must fail, not skip, without the browser.
  requireChromium();
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const state = mkdtempSync(join(tmpdir(), `dlgate-browser-${name}-`));
  const persistTo = join(state, "wrangler-state");
  const pages: StorePages = new Map();
  const origin = await startStoreOrigin(pages);
  let gateway: LocalGateway | undefined;
  let context: BrowserContext | undefined;

  const stop = async (): Promise<void> => {
    await context?.close().catch(() => {});
    if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => gateway?.child.once("exit", () => resolve()));
      gateway.stop();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
      await Promise.race([exited, timeout]);
      if (gateway.child.exitCode === null && gateway.child.pid !== undefined) {
        try {
          process.kill(-gateway.child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    await new Promise<void>((resolve) => origin.server.close(() => resolve()));
    rmSync(state, { recursive: true, force: true });
  };

  try {
    const masterKey = ensureDevVars();
    applyMigrations({ persistTo });
    await withLocalBindings(
      async (env) => {
        await upsertTenant(env, masterKey, {
          id: TENANT,
          name: "Browser tier tenant",
          hosts: ["127.0.0.1", "localhost"],
          settings: { ...STORE_SETTINGS, ...settings },
          keys: [KEY],
          originUrl: origin.url,
        });
        await upsertAdminKey(env, { tenant: TENANT, key: ADMIN_KEY, name: "browser tier" });
      },
      { persistTo },
    );
    gateway = await startWranglerDev({ port: await freePort(), persistTo });
    context = await chromium.launchPersistentContext(join(state, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      // A phone-sized window, so every screenshot shows what a customer on a phone sees.
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      args: CHROMIUM_ARGS,
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const baseUrl = gateway.baseUrl;
  const admin = async <T>(method: string, path: string, body?: BodyInit | object, status?: number): Promise<T> => {
    const json = body !== undefined && !(body instanceof Uint8Array) && typeof body === "object";
    const response = await fetch(`${baseUrl}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(json ? { "Content-Type": "application/json" } : {}) },
      body: json ? JSON.stringify(body) : (body as BodyInit | undefined),
    });
    const text = await response.text();
    if (status !== undefined ? response.status !== status : response.status >= 300)
      throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  let orders = 0;
  return {
    baseUrl,
    context,
    pages,
    admin,
    async upload(id, fileName, bytes, contentType = "application/octet-stream") {
      const response = await fetch(`${baseUrl}/admin/v1/files/${id}?name=${encodeURIComponent(fileName)}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": contentType },
        body: bytes,
      });
      if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
    },
    async order(files, status = "complete") {
      orders += 1;
      const view = await admin<OrderView>("POST", "/orders", {
        order_number: `${name}-${Date.now().toString(36)}-${orders}`,
        customer_id: "customer-1",
        status,
        items: files.map((f, i) => ({
          product: { id: `p-${i}`, name: f.product },
          file_ids: [f.id],
          grant: { download_limit: f.limit ?? 3, expires_in_days: 30 },
        })),
      });
      return {
        order_number: view.order_number,
        access_key: view.access_key,
        files: view.items.flatMap((i) => i.files),
      };
    },
    async count(downloadUrl) {
      const response = await fetch(`${downloadUrl}/info`);
      if (response.status !== 200) throw new Error(`info answered ${response.status}`);
      return ((await response.json()) as DownloadInfo).download_count;
    },
    stop,
  };
}
