/**
 * src/http/errorBoundary.ts, src/http/redactedPath.ts: an unexpected failure is logged with
 * its method and path, but a download token or an order's access key in the path is a
 * credential, and a log is no place for one. Only its first 8 characters are logged; the
 * query (`?dlg_confirm=…`, `?id=<access key>`) never is.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env.ts";
import { errorBoundary } from "../../src/http/errorBoundary.ts";
import { redactedPath } from "../../src/http/redactedPath.ts";
import { createTenant, gatewayWith, putFile, signLink, type TestTenant } from "../helpers/fixtures.ts";
import { merchelloStore, signedIn } from "../helpers/profilesB.ts";

afterEach(() => vi.restoreAllMocks());

/** The Worker's bindings with an R2 bucket that fails every read: the download route's unexpected failure. */
function withR2Down(): Env {
  const fail = () => Promise.reject(new Error("R2 is down"));
  const bucket = new Proxy(env.FILES, {
    get: (target, name) => (name === "head" || name === "get" ? fail : Reflect.get(target, name)),
  });
  return { ...env, FILES: bucket };
}

/** Everything console.error was given, as one string. */
function logged(spy: { mock: { calls: unknown[][] } }): string {
  return spy.mock.calls.map((call) => call.map((part) => String(part)).join(" ")).join("\n");
}

describe("unhandled errors on token-bearing paths", () => {
  type Profile = "storefront-digitals" | "merchello-downloads";
  const cases: [string, (tenant: TestTenant, token: string) => string, Profile?][] = [
    ["the download route", (_tenant, token) => `/downloads/${token}`],
    ["the download route under /api/<tenant>", (tenant, token) => `/api/${tenant.id}/downloads/${token}`],
    ["the info route", (_tenant, token) => `/downloads/${token}/info`],
    ["storefront-digitals", (_tenant, token) => `/api/v2/storefront/digitals/${token}`, "storefront-digitals"],
    ["merchello-downloads", (_tenant, token) => `/api/merchello/downloads/${token}`, "merchello-downloads"],
  ];

  it.each(cases)("logs %s with the token cut to 8 characters", async (_label, path, profile) => {
    let tenant: TestTenant;
    let headers: Record<string, string> = {};
    let grant = {};
    if (profile === "merchello-downloads") {
      // It serves only the signed-in customer the link was issued to.
      const store = await merchelloStore();
      [tenant, headers, grant] = [store, await signedIn(store, "cust-1"), { customer: "cust-1" }];
    } else {
      tenant = await createTenant({ settings: { profiles: profile ? [profile] : [] } });
    }
    const file = await putFile(tenant);
    const { token } = await signLink(tenant, file, grant);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});

    const answer = await gatewayWith(tenant, `${path(tenant, token)}?dlg_confirm=confirm-secret-value`, withR2Down(), {
      headers,
    });
    expect(answer.status).toBe(503);
    const text = logged(errors);
    expect(text).toContain("unhandled error");
    expect(text).toContain(`${token.slice(0, 8)}…`);
    expect(text).not.toContain(token);
    // Not even the signature, nor the claims, in any form.
    for (const part of token.split(".")) if (part.length > 8) expect(text).not.toContain(part);
    expect(text).not.toContain("confirm-secret-value");
  });

  it("never logs an order's access key from the order page path, nor the query", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const key = "Zk3xQ9pLm2Vb7Rt1Yc8Nd4Hs6Wj0Ga5E";
    for (const url of [
      `https://shop.test/o/${key}`,
      `https://shop.test/api/shop/o/${key}`,
      `https://shop.test/api/v2/customer-account-orders?id=${key}`,
    ]) {
      const answer = await errorBoundary(new Error("boom"), new Request(url));
      expect(answer.status).toBe(503);
    }
    const text = logged(errors);
    expect(text).toContain("/o/Zk3xQ9pL…");
    expect(text).not.toContain(key);
  });
});

describe("redactedPath", () => {
  it("cuts credentials and leaves every other segment as it is", () => {
    const token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJzaG9wIn0.c2lnbmF0dXJl";
    expect(redactedPath(`/downloads/${token}`)).toBe("/downloads/eyJhbGci…");
    expect(redactedPath(`/downloads/${token}/info`)).toBe("/downloads/eyJhbGci…/info");
    expect(redactedPath(`/api/shop/downloads/${token}`)).toBe("/api/shop/downloads/eyJhbGci…");
    expect(redactedPath(`/somewhere/else/${token}`)).toBe("/somewhere/else/eyJhbGci…");
    // Not credentials: listings, the merchello profile's own routes, admin paths.
    for (const path of [
      "/my/downloads",
      "/orders/1001/downloads",
      "/api/merchello/downloads/customer",
      "/api/merchello/downloads/invoice/1001",
      "/admin/v1/files/font-pack.tar.gz",
      "/",
    ])
      expect(redactedPath(path)).toBe(path);
  });
});
