/**
 * A deployment whose MASTER_KEY is missing, malformed or replaced (README, Deploying, step 5):
 * `/healthz` names a missing or malformed one, and a replaced one answers 503 on the links
 * (they are not bad links; the deployment is), never `invalid_token`.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env.ts";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import { createTenant, gatewayWith, putFile, signLink } from "../helpers/fixtures.ts";

afterEach(() => vi.restoreAllMocks());

const withMasterKey = (value: string | undefined): Env => ({ ...env, MASTER_KEY: value as string });

describe("MASTER_KEY", () => {
  it("healthz answers 200 with a well-formed key", async () => {
    const tenant = await createTenant();
    const answer = await gatewayWith(tenant, "/healthz", env);
    expect(answer.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({ ok: true, service: "dlgate" });
  });

  it.each([
    ["missing", undefined, /MASTER_KEY is not set/],
    ["hex, not base64 of 32 bytes", "a".repeat(64), /base64 of exactly 32 bytes/],
    ["not base64 at all", "not base64!", /base64 of exactly 32 bytes/],
  ])("healthz answers 503 naming the problem when the key is %s", async (_label, value, problem) => {
    const tenant = await createTenant();
    const answer = await gatewayWith(tenant, "/healthz", withMasterKey(value));
    expect(answer.status).toBe(503);
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({
      error: "unavailable",
      message: expect.stringMatching(problem),
    });
  });

  it("answers a link 503 unavailable, not invalid_token, when the key was replaced, and logs why", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    forgetTenant(tenant.id);
    const replaced = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const answer = await gatewayWith(tenant, `/downloads/${link.token}`, withMasterKey(replaced));
    expect(answer.status).toBe(503);
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toMatchObject({ error: "unavailable" });
    const logged = errors.mock.calls.flat().map(String).join("\n");
    expect(logged).toMatch(/none of its \d+ stored signing secrets opens: MASTER_KEY is not the key/);
    forgetTenant(tenant.id);
    expect((await gatewayWith(tenant, `/downloads/${link.token}`, env)).status).toBe(200);
  });
});
