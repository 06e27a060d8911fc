/**
 * The file name on the customer pages a link answers before any byte (the confirmation
 * page, a preview agent's card): the same cleaned name a download is saved under, also for
 * a pull-through file whose bytes (and R2 metadata) are not fetched yet.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, gateway, signClaims, uid, type TestTenant } from "../helpers/fixtures.ts";

const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const NAVIGATION = {
  "User-Agent": CHROME,
  Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
};
const SLACK = { "User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" };
const RLO = "\u202e";

/** A pull-through file, registered in D1 with its origin and never fetched (R2 has nothing). */
async function pullThroughFile(tenant: TestTenant, name: string): Promise<string> {
  const fileId = uid("pull");
  await env.DB.prepare(
    "INSERT INTO files (tenant_id, id, name, size, mime_type, source, origin_url) VALUES (?, ?, ?, NULL, ?, 'url', ?)",
  )
    .bind(tenant.id, fileId, name, "application/pdf", `https://origin.example/${fileId}.pdf`)
    .run();
  return fileId;
}

async function page(tenant: TestTenant, token: string, headers: Record<string, string>) {
  const response = await gateway(tenant, `/downloads/${token}`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  return response.text();
}

describe("a pull-through file not fetched yet", () => {
  it("shows the token's fn cleaned of U+202E on the confirmation page, the card and their <title>", async () => {
    const tenant = await createTenant();
    const fileId = await pullThroughFile(tenant, "Stored Guide.pdf");
    const token = await signClaims(tenant, {
      iss: tenant.id,
      lid: uid("l"),
      fid: fileId,
      cfm: true,
      fn: `invoice${RLO}gnp.exe`,
    });
    const confirm = await page(tenant, token, NAVIGATION);
    const card = await page(tenant, token, SLACK);
    for (const text of [confirm, card]) {
      expect(text).not.toContain(RLO);
      expect(text).toMatch(/<title>invoicegnp\.exe · /);
      expect(text).toMatch(/<h1>invoicegnp\.exe<\/h1>/);
    }
    expect(card).toMatch(/<meta property="og:title" content="invoicegnp\.exe" ?\/?>/);
  });

  it("shows the registered name, not the file id, when the token has no fn", async () => {
    const tenant = await createTenant();
    const fileId = await pullThroughFile(tenant, "Stored Guide.pdf");
    const token = await signClaims(tenant, { iss: tenant.id, lid: uid("l"), fid: fileId, cfm: true });
    const confirm = await page(tenant, token, NAVIGATION);
    const card = await page(tenant, token, SLACK);
    for (const text of [confirm, card]) {
      expect(text).toMatch(/<h1>Stored Guide\.pdf<\/h1>/);
      expect(text).not.toContain(fileId);
    }
    expect(card).toMatch(/<meta property="og:title" content="Stored Guide\.pdf" ?\/?>/);
  });
});
