/**
 * docs/CONTRACT.md §6 rule 4a, confirmation mode (`cfm: true`, or the tenant's
 * `confirm_downloads: "browsers"`): a browser navigation gets a page whose button opens a
 * second-stage GET bound to a cookie the page set and valid for 5 minutes; only that
 * request counts. Clients that do not ask for HTML get the file directly, and the second
 * stage stays resumable.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  counts,
  createTenant,
  flushOutboxes,
  gateway,
  nowSeconds,
  putFile,
  signClaims,
  uid,
  type StoredFile,
  type TenantOptions,
  type TestTenant,
} from "../helpers/fixtures.ts";
import { linkStub } from "../../src/links/linkStub.ts";
import { signConfirmation } from "../../src/scanners/confirmation.ts";

const SIZE = 3000;
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const NAVIGATION = {
  "User-Agent": CHROME,
  Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
};

interface Setup {
  tenant: TestTenant;
  file: StoredFile;
  linkId: string;
  token: string;
}

async function setup(claims: Record<string, unknown> = { cfm: true }, options: TenantOptions = {}): Promise<Setup> {
  const tenant = await createTenant(options);
  const file = await putFile(tenant, { size: SIZE, filename: "guide.pdf" });
  const linkId = uid("l");
  const token = await signClaims(tenant, { iss: tenant.id, lid: linkId, fid: file.id, ...claims });
  return { tenant, file, linkId, token };
}

async function request(s: Setup, path: string, headers: Record<string, string> = NAVIGATION) {
  const response = await gateway(s.tenant, path, { headers });
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, text: new TextDecoder().decode(body) };
}

function expectCount(s: Setup, expected: number) {
  return expect(
    counts(s.tenant, { token: s.token, linkId: s.linkId, stub: linkStub(env, s.tenant.id, s.linkId) }),
  ).resolves.toEqual({
    info: expected,
    durable: expected,
  });
}

/** The confirmation page: its cookie (name=value) and the button's href. */
async function confirmationPage(s: Setup, extra: Record<string, string> = {}) {
  const page = await request(s, `/downloads/${s.token}`, { ...NAVIGATION, ...extra });
  expect(page.status).toBe(200);
  expect(page.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  const setCookie = page.headers.get("Set-Cookie") ?? "";
  const cookie = /^(dlg_confirm=[A-Za-z0-9_-]+);/.exec(setCookie)?.[1];
  const href = /<a class="button" href="([^"]+)"/.exec(page.text)?.[1]?.replace(/&#38;/g, "&");
  if (!cookie || !href) throw new Error(`no cookie or button: ${setCookie} ${page.text}`);
  return { page, setCookie, cookie, href };
}

describe("a browser gets the confirmation page first", () => {
  it("shows a page with a Download button, sets a scoped cookie and counts nothing", async () => {
    const s = await setup();
    const { page, setCookie, href } = await confirmationPage(s);
    expect(page.text).toContain("guide.pdf");
    expect(page.headers.get("Content-Disposition")).toBeNull();
    expect(page.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(setCookie).toMatch(/; Path=\/downloads\/[^;]+; Max-Age=360; HttpOnly; SameSite=Lax; Secure$/);
    expect(setCookie).toContain(`Path=/downloads/${s.token};`);
    expect(href).toMatch(
      new RegExp(`^/downloads/${s.token.replace(/[.]/g, "\\.")}\\?dlg_confirm=\\d+\\.[A-Za-z0-9_-]{43}$`),
    );
    await expectCount(s, 0);
  });

  it("answers a browser's HEAD with the page's headers and length, no file headers, counting nothing", async () => {
    const s = await setup();
    const { page } = await confirmationPage(s);
    const head = await gateway(s.tenant, `/downloads/${s.token}`, { method: "HEAD", headers: NAVIGATION });
    expect({
      status: head.status,
      type: head.headers.get("Content-Type"),
      disposition: head.headers.get("Content-Disposition"),
      cookie: head.headers.get("Set-Cookie")?.split("=")[0],
      length: head.headers.get("Content-Length"),
    }).toEqual({
      status: 200,
      type: "text/html; charset=utf-8",
      disposition: null,
      cookie: "dlg_confirm",
      length: String(page.body.byteLength),
    });
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    await expectCount(s, 0);
    // Logged as any HEAD is: it suppressed no download, so it adds nothing to `suppressed`.
    await flushOutboxes([linkStub(env, s.tenant.id, s.linkId)]);
    const { results } = await env.DB.prepare("SELECT reason FROM download_events WHERE link_id = ? ORDER BY at, rowid")
      .bind(s.linkId)
      .all<{ reason: string }>();
    expect(results.map((row) => row.reason)).toEqual(["confirmation", "no_body"]);
  });

  it("counts the button's request, which delivers the file", async () => {
    const s = await setup();
    const { cookie, href } = await confirmationPage(s);
    const file = await request(s, href, { ...NAVIGATION, Cookie: cookie });
    expect(file.status).toBe(200);
    expect(file.body).toEqual(s.file.bytes);
    expect(file.headers.get("Content-Disposition")).toContain("guide.pdf");
    await expectCount(s, 1);
    await flushOutboxes([linkStub(env, s.tenant.id, s.linkId)]);
    const { results } = await env.DB.prepare(
      "SELECT counted, reason FROM download_events WHERE tenant_id = ? AND link_id = ? ORDER BY at, rowid",
    )
      .bind(s.tenant.id, s.linkId)
      .all<{ counted: number; reason: string | null }>();
    expect(results).toEqual([
      { counted: 0, reason: "confirmation" },
      { counted: 1, reason: null },
    ]);
  });

  it("lets a browser resume the button's download with a Range, without counting again", async () => {
    const s = await setup({ cfm: true, lim: 1 });
    const { cookie, href } = await confirmationPage(s);
    const first = await gateway(s.tenant, href, { headers: { ...NAVIGATION, Cookie: cookie } });
    expect(first.status).toBe(200);
    const device = /^(dlg_device=[^;]+)/.exec(first.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
    // Read to the end here (the cut itself is the byte-counting tests' business): the
    // browser then resumes the same URL later, when the button and its cookie have expired,
    // sending the device cookie the download set.
    await first.arrayBuffer();
    const resumed = await request(s, href, {
      ...NAVIGATION,
      Accept: "*/*",
      Range: "bytes=1000-",
      Cookie: device,
    });
    expect(resumed.status).toBe(206);
    expect(resumed.headers.get("Content-Range")).toBe(`bytes 1000-${SIZE - 1}/${SIZE}`);
    expect(resumed.body).toEqual(s.file.bytes.slice(1000));
    await expectCount(s, 1);
    await flushOutboxes([linkStub(env, s.tenant.id, s.linkId)]);
    const { results } = await env.DB.prepare(
      "SELECT status, counted, reason FROM download_events WHERE tenant_id = ? AND link_id = ? ORDER BY at, rowid",
    )
      .bind(s.tenant.id, s.linkId)
      .all<{ status: number; counted: number; reason: string | null }>();
    expect(results.at(-1)).toEqual({ status: 206, counted: 0, reason: "resume" });
  });

  it("still shows the page for a Range the gateway ignores: the whole file is what it would get", async () => {
    const s = await setup();
    for (const range of ["bytes=1-0", "bytes=5-3", "bytes=1-2,4-5"]) {
      const page = await request(s, `/downloads/${s.token}`, { ...NAVIGATION, Range: range });
      expect(page.status).toBe(200);
      expect(page.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
      expect(page.text).toContain('class="button"');
    }
    await expectCount(s, 0);
  });

  it("still spends a scanner pass, not a download, when a scanner network clicks the button", async () => {
    const s = await setup();
    const safeLinks = { ...NAVIGATION, "CF-Connecting-IP": "40.107.22.33" };
    const { cookie, href } = await confirmationPage(s, safeLinks);
    const file = await request(s, href, { ...safeLinks, Cookie: cookie });
    expect(file.status).toBe(200);
    expect(file.body).toEqual(s.file.bytes);
    await expectCount(s, 0);
  });

  it("keeps one cookie per browser and link, so a second tab's page leaves the first button working", async () => {
    const s = await setup();
    const first = await confirmationPage(s);
    const second = await confirmationPage(s, { Cookie: first.cookie });
    expect(second.cookie).toBe(first.cookie);
    const file = await request(s, first.href, { ...NAVIGATION, Cookie: first.cookie });
    expect(file.status).toBe(200);
    await expectCount(s, 1);
  });

  it("works the same under /api/<tenant>/downloads, with the cookie scoped to that path", async () => {
    const s = await setup();
    const path = `/api/${s.tenant.id}/downloads/${s.token}`;
    const page = await gateway(s.tenant, path, { headers: NAVIGATION });
    const text = await page.text();
    const setCookie = page.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toContain(`Path=${path};`);
    const href = /<a class="button" href="([^"]+)"/.exec(text)?.[1] ?? "";
    expect(href.startsWith(`${path}?dlg_confirm=`)).toBe(true);
    const cookie = setCookie.split(";")[0] as string;
    const file = await request(s, href, { ...NAVIGATION, Cookie: cookie });
    expect(file.status).toBe(200);
    expect(file.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
  });

  it("gives a link-preview agent its card, not the confirmation page", async () => {
    const s = await setup();
    const res = await request(s, `/downloads/${s.token}`, { ...NAVIGATION, "User-Agent": "Twitterbot/1.0" });
    expect(res.status).toBe(200);
    expect(res.text).toContain('property="og:title"');
    expect(res.text).not.toContain('class="button"');
    expect(res.headers.get("Set-Cookie")).toBeNull();
    await expectCount(s, 0);
  });

  it("answers a browser's prefetch of a confirmation link with 503, not the page", async () => {
    const s = await setup();
    const res = await request(s, `/downloads/${s.token}`, { ...NAVIGATION, "Sec-Purpose": "prefetch" });
    expect(res.status).toBe(503);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    await expectCount(s, 0);
  });

  it("asks for confirmation on every link of a tenant set to confirm_downloads: browsers", async () => {
    const s = await setup({}, { settings: { confirm_downloads: "browsers", store_name: "Paper & Ink" } });
    const { page } = await confirmationPage(s);
    expect(page.text).toContain("Paper &#38; Ink");
    await expectCount(s, 0);
  });

  it("answers a used-up link with limit_reached instead of a button", async () => {
    const s = await setup({ cfm: true, lim: 1 });
    expect((await request(s, `/downloads/${s.token}`, { "User-Agent": "curl/8.5.0", Accept: "*/*" })).status).toBe(200);
    const res = await request(s, `/downloads/${s.token}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("Set-Cookie")).toBeNull();
    await expectCount(s, 1);
  });
});

describe("clients that do not ask for HTML get the file directly", () => {
  it.each([
    ["curl", { "User-Agent": "curl/8.5.0", Accept: "*/*" }],
    ["wget", { "User-Agent": "Wget/1.21.4", Accept: "*/*" }],
    ["aria2", { "User-Agent": "aria2/1.37.0" }],
  ])("%s is served and counted at once", async (_name, headers) => {
    const s = await setup();
    const res = await request(s, `/downloads/${s.token}`, headers);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
  });

  it("shows no page to a browser when the link does not ask for confirmation", async () => {
    const s = await setup({});
    const res = await request(s, `/downloads/${s.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
  });
});

describe("the second stage refuses what a scanner would send", () => {
  function expectRefused(res: Awaited<ReturnType<typeof request>>, reason: string) {
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({
      error: "bad_request",
      details: [{ path: "dlg_confirm", message: reason }],
    });
  }
  const JSON_ACCEPT = { ...NAVIGATION, Accept: "application/json" };

  it("refuses the button's URL without the page's cookie, and logs the attempt on the link", async () => {
    const s = await setup();
    const { href } = await confirmationPage(s);
    expectRefused(await request(s, href, JSON_ACCEPT), "missing_cookie");
    await expectCount(s, 0);
    await flushOutboxes([linkStub(env, s.tenant.id, s.linkId)]);
    const { results } = await env.DB.prepare(
      "SELECT status, counted, reason, error FROM download_events WHERE tenant_id = ? AND link_id = ? ORDER BY at, rowid",
    )
      .bind(s.tenant.id, s.linkId)
      .all();
    expect(results).toEqual([
      { status: 200, counted: 0, reason: "confirmation", error: null },
      { status: 400, counted: 0, reason: null, error: "bad_request" },
    ]);
  });

  it("refuses the button's URL with another browser's cookie", async () => {
    const s = await setup();
    const { href } = await confirmationPage(s);
    expectRefused(await request(s, href, { ...JSON_ACCEPT, Cookie: "dlg_confirm=AAAAAAAAAAAAAAAAAAAAAA" }), "invalid");
    await expectCount(s, 0);
  });

  it("refuses a tampered button URL (signature or expiry changed)", async () => {
    const s = await setup();
    const { cookie, href } = await confirmationPage(s);
    const [path, value = ""] = href.split("?dlg_confirm=");
    const [exp = "", mac = ""] = value.split(".");
    const flipped = `${mac.slice(0, 10)}${mac[10] === "A" ? "B" : "A"}${mac.slice(11)}`;
    expectRefused(
      await request(s, `${path}?dlg_confirm=${exp}.${flipped}`, { ...JSON_ACCEPT, Cookie: cookie }),
      "invalid",
    );
    expectRefused(
      await request(s, `${path}?dlg_confirm=${Number(exp) + 3600}.${mac}`, { ...JSON_ACCEPT, Cookie: cookie }),
      "invalid",
    );
    expectRefused(await request(s, `${path}?dlg_confirm=garbage`, { ...JSON_ACCEPT, Cookie: cookie }), "invalid");
    await expectCount(s, 0);
  });

  it("refuses a button older than 5 minutes", async () => {
    const s = await setup();
    const cookie = "dlg_confirm=QkJCQkJCQkJCQkJCQkJCQg";
    const expired = await signConfirmation(env.MASTER_KEY, s.token, cookie.split("=")[1] as string, nowSeconds() - 1);
    const res = await request(s, `/downloads/${s.token}?dlg_confirm=${expired}`, { ...JSON_ACCEPT, Cookie: cookie });
    expectRefused(res, "expired");
    expect(JSON.parse(res.text).message).toMatch(/expired/);
    // The same, still valid for a minute, is accepted: only the time differs.
    const fresh = await signConfirmation(env.MASTER_KEY, s.token, cookie.split("=")[1] as string, nowSeconds() + 60);
    const ok = await request(s, `/downloads/${s.token}?dlg_confirm=${fresh}`, { ...NAVIGATION, Cookie: cookie });
    expect(ok.status).toBe(200);
    await expectCount(s, 1);
  });

  it("refuses one link's button on another link, even with the right cookie", async () => {
    const s = await setup();
    const other = await setup();
    const { cookie, href } = await confirmationPage(s);
    const value = href.split("?dlg_confirm=")[1] as string;
    expectRefused(
      await request(other, `/downloads/${other.token}?dlg_confirm=${value}`, { ...JSON_ACCEPT, Cookie: cookie }),
      "invalid",
    );
  });

  it("refuses a bad button URL from a curl-like client too, and says why in a browser", async () => {
    const s = await setup();
    const { href } = await confirmationPage(s);
    expectRefused(await request(s, href, { "User-Agent": "curl/8.5.0", Accept: "*/*" }), "missing_cookie");
    const page = await request(s, href);
    expect(page.status).toBe(400);
    expect(page.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(page.text).toContain("only works in the browser that showed it");
    // Its button leads back to the link, which shows a fresh Download button.
    expect(page.text).toContain(`<a class="button" href="/downloads/${s.token}" rel="nofollow">`);
    await expectCount(s, 0);
  });

  it("speaks the customer's language on the page and on a refusal", async () => {
    const s = await setup();
    const { page, href } = await confirmationPage(s, { "Accept-Language": "de-DE,de;q=0.9,en;q=0.5" });
    expect(page.headers.get("Content-Language")).toBe("de");
    expect(page.text).toContain(">Herunterladen</a>");
    const refused = await request(s, href, { ...NAVIGATION, "Accept-Language": "fr" });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("Ce bouton de téléchargement ne fonctionne que dans le navigateur");
  });
});
