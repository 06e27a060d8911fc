/**
 * Numeric claims at and past their bounds (issue 8 §6): a validly signed token whose exp,
 * nbf, lim or dev the gateway cannot compute with is `403 invalid_token` on every route,
 * never a 5xx; the largest values it accepts work end to end.
 */
import { describe, expect, it } from "vitest";
import { MAX_COUNT, MAX_NUMERIC_DATE } from "../../src/token/claims.ts";
import {
  bytesOf,
  createTenant,
  drain,
  gateway,
  info,
  putFile,
  signClaims,
  uid,
  type StoredFile,
  type TestTenant,
} from "../helpers/fixtures.ts";

async function setup(): Promise<{ tenant: TestTenant; file: StoredFile }> {
  const tenant = await createTenant();
  return { tenant, file: await putFile(tenant, { size: 300, filename: "Guide.pdf" }) };
}

function claimsFor(tenant: TestTenant, file: StoredFile, extra: Record<string, unknown>): Record<string, unknown> {
  return { iss: tenant.id, lid: uid("l"), fid: file.id, ...extra };
}

describe("numeric claims past their bounds", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["exp 1e308", { exp: 1e308 }],
    ["exp 8640000000001 (one past Date's range in ms, read as seconds)", { exp: 8_640_000_000_001 }],
    ["exp one second after 9999-12-31T23:59:59Z", { exp: MAX_NUMERIC_DATE + 1 }],
    ["nbf 1e308", { nbf: 1e308 }],
    ["nbf 8640000000001", { nbf: 8_640_000_000_001 }],
    ["lim 2^53", { lim: 2 ** 53 }],
    ["lim 2^31", { lim: 2 ** 31 }],
    ["dev 1e300", { dev: 1e300 }],
  ];

  it.each(cases)("%s: /info, GET and HEAD answer 403 invalid_token", async (_name, extra) => {
    const { tenant, file } = await setup();
    const token = await signClaims(tenant, claimsFor(tenant, file, extra));
    for (const [method, path] of [
      ["GET", `/downloads/${token}/info`],
      ["GET", `/downloads/${token}`],
      ["GET", `/api/${tenant.id}/downloads/${token}/info`],
      ["GET", `/api/${tenant.id}/downloads/${token}`],
    ] as const) {
      const response = await gateway(tenant, path, { method });
      expect({ path, status: response.status, body: await response.json() }).toEqual({
        path,
        status: 403,
        body: { error: "invalid_token", message: expect.any(String) },
      });
    }
    const head = await gateway(tenant, `/downloads/${token}`, { method: "HEAD" });
    expect(head.status).toBe(403);
    expect(await bytesOf(head)).toHaveLength(0);
  });
});

describe("numeric claims at their bounds", () => {
  it("exp at 9999-12-31T23:59:59Z: /info shows that instant and the file downloads", async () => {
    const { tenant, file } = await setup();
    const token = await signClaims(tenant, claimsFor(tenant, file, { exp: MAX_NUMERIC_DATE }));
    expect(await info(tenant, token)).toMatchObject({ expires_at: "9999-12-31T23:59:59.000Z", is_expired: false });
    const response = await gateway(tenant, `/downloads/${token}`);
    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toEqual(file.bytes);
    expect(await info(tenant, token)).toMatchObject({ download_count: 1 });
  });

  it("nbf at year 9999: /info answers 200 and a download is 403 not_yet_valid, uncounted", async () => {
    const { tenant, file } = await setup();
    const token = await signClaims(tenant, claimsFor(tenant, file, { nbf: MAX_NUMERIC_DATE }));
    expect(await info(tenant, token)).toMatchObject({ download_count: 0, expires_at: null });
    const response = await gateway(tenant, `/downloads/${token}`);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 403,
      body: { error: "not_yet_valid", message: expect.any(String) },
    });
    expect(await info(tenant, token)).toMatchObject({ download_count: 0 });
  });

  it("lim and dev at 2^31 - 1: the link counts and reports exact figures", async () => {
    const { tenant, file } = await setup();
    const token = await signClaims(tenant, claimsFor(tenant, file, { lim: MAX_COUNT, dev: MAX_COUNT }));
    expect(await info(tenant, token)).toMatchObject({
      download_limit: 2_147_483_647,
      remaining_downloads: 2_147_483_647,
    });
    expect((await drain(await gateway(tenant, `/downloads/${token}`))).status).toBe(200);
    expect(await info(tenant, token)).toMatchObject({
      download_count: 1,
      download_limit: 2_147_483_647,
      remaining_downloads: 2_147_483_646,
      is_limit_reached: false,
    });
  });
});
