/**
 * docs/CONTRACT.md §6 rule 4a, scanner layers 1 and 2: link-preview agents get a card and no
 * bytes; mail-scanner networks and requests without a User-Agent get the file uncounted,
 * at most `scanner_passes` times per link. Every such request is logged with its reason.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  counts,
  flushOutboxes,
  gateway,
  gatewayRaw,
  type TenantOptions,
  tenantFileLink,
  type EventRow,
  type LinkSetup,
} from "../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  fetchUrl,
  firstFile,
  orderBody,
  placeOrder,
  uploadFile,
} from "../helpers/issuer.ts";
import type { LinkGrant } from "../../src/sdk/sign.ts";

const SIZE = 4000;
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/** One User-Agent per preview family, as the fetchers send them. */
const PREVIEW_AGENTS: Record<string, string> = {
  slack: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
  twitter: "Twitterbot/1.0",
  meta: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
  imessage:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
  line: "facebookexternalhit/1.1;line-poker/1.0",
  discord: "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
  linkedin: "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
  whatsapp: "WhatsApp/2.23.20.0 A",
  telegram: "TelegramBot (like TwitterBot)",
  skype: "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
  teams: "Mozilla/5.0 (compatible; MicrosoftPreview/2.0; +https://aka.ms/MicrosoftPreview)",
  office: "Microsoft Office Word 2014",
  outlook: "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
  msoffice: "Mozilla/4.0 (compatible; ms-office; MSOffice 16)",
  mastodon: "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)",
  bluesky: "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
  iframely: "Iframely/1.3.1 (+https://iframely.com/docs/about)",
  embedly: "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
  google:
    "Mozilla/5.0 (Windows NT 6.1; rv:6.0) Gecko/20110814 Firefox/6.0 Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/)",
  apple:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
  reddit: "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
  pinterest: "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
  vk: "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)",
};

/** Real people in apps' own browsers: they must get the file. */
const IN_APP_BROWSERS = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/13.16.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0]",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/24215.1007.3082.1590 Chrome/120.0.0.0 Electron/28.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.41.105 Chrome/128.0.0.0 Electron/32.0.0 Safari/537.36",
];

type Setup = LinkSetup;

const setup = (grant: Partial<LinkGrant> = {}, options: TenantOptions = {}): Promise<Setup> =>
  tenantFileLink({ size: SIZE, filename: "Album & Friends.zip" }, grant, options);

async function get(s: Setup, headers: Record<string, string>, method = "GET") {
  const response = await gateway(s.tenant, `/downloads/${s.link.token}`, { method, headers });
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, text: new TextDecoder().decode(body) };
}

function expectCount(s: Setup, expected: number) {
  return expect(counts(s.tenant, s.link)).resolves.toEqual({ info: expected, durable: expected });
}

type LogRow = Pick<EventRow, "status" | "counted" | "reason" | "error" | "user_agent" | "ip" | "bytes_sent">;

/** The link's download log as D1 holds it once the outbox is confirmed, oldest first. */
async function logRows(s: Setup): Promise<LogRow[]> {
  await flushOutboxes([s.link.stub]);
  const { results } = await env.DB.prepare(
    "SELECT status, counted, reason, error, user_agent, ip, bytes_sent FROM download_events WHERE tenant_id = ? AND link_id = ? ORDER BY at, rowid",
  )
    .bind(s.tenant.id, s.link.linkId)
    .all<LogRow>();
  return results;
}

describe("link-preview agents get a card, never the file", () => {
  it("answers every preview family with an og: card, counts nothing and logs each as preview", async () => {
    const s = await setup({ limit: 1 }, { settings: { store_name: "Nordic Sounds" } });
    for (const [family, agent] of Object.entries(PREVIEW_AGENTS)) {
      const res = await get(s, { "User-Agent": agent, Accept: BROWSER_ACCEPT });
      expect(res.status, family).toBe(200);
      expect(res.headers.get("Content-Type"), family).toBe("text/html; charset=utf-8");
      expect(res.headers.get("Content-Disposition"), family).toBeNull();
      expect(res.headers.get("Cache-Control"), family).toBe("private, no-store");
      expect(res.text, family).toMatch(/<meta property="og:title" content="Album &#38; Friends.zip" ?\/?>/);
      expect(res.text, family).toMatch(/<meta property="og:site_name" content="Nordic Sounds" ?\/?>/);
      expect(res.text, family).toMatch(
        /<meta property="og:description" content="Download from Nordic Sounds \(3\.9KB\)" ?\/?>/,
      );
      expect(res.body.byteLength, family).toBeLessThan(SIZE);
    }
    await expectCount(s, 0);
    const rows = await logRows(s);
    expect(rows).toHaveLength(Object.keys(PREVIEW_AGENTS).length);
    for (const row of rows)
      expect(row).toMatchObject({ status: 200, counted: 0, reason: "preview", error: null, bytes_sent: 0 });
    // The single download the link allows is still there for the customer.
    const real = await get(s, { "User-Agent": CHROME, Accept: BROWSER_ACCEPT });
    expect(real.status).toBe(200);
    expect(real.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
  });

  it("answers a preview's HEAD with the card's headers and no body, uncounted", async () => {
    const s = await setup();
    const res = await get(s, { "User-Agent": PREVIEW_AGENTS.slack as string }, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(res.body.byteLength).toBe(0);
    await expectCount(s, 0);
  });

  it("hands people in apps' own browsers the file, counted", async () => {
    const s = await setup();
    for (const agent of IN_APP_BROWSERS) {
      const res = await get(s, { "User-Agent": agent });
      expect(res.status, agent).toBe(200);
      expect(res.body, agent).toEqual(s.file.bytes);
    }
    await expectCount(s, IN_APP_BROWSERS.length);
  });

  it("answers a preview of a forged token with the normal invalid_token error", async () => {
    const s = await setup();
    const forged = `${s.link.token.slice(0, -4)}AAAA`;
    const res = await gateway(s.tenant, `/downloads/${forged}`, {
      headers: { "User-Agent": PREVIEW_AGENTS.discord as string },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "invalid_token" });
  });

  it("answers a preview of a used-up link with limit_reached, not a card", async () => {
    const s = await setup({ limit: 1 });
    expect((await get(s, { "User-Agent": CHROME })).status).toBe(200);
    const res = await get(s, { "User-Agent": PREVIEW_AGENTS.telegram as string });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ error: "limit_reached" });
    await expectCount(s, 1);
  });

  it("escapes the file name in the card", async () => {
    const s = await setup({ filename: `"><script>alert(1)</script>.pdf` });
    const res = await get(s, { "User-Agent": PREVIEW_AGENTS.twitter as string });
    expect(res.text).not.toContain("<script>");
    expect(res.text).toContain("&#60;script&#62;");
  });
});

describe("mail-scanner networks and empty User-Agents: served, uncounted while passes last", () => {
  const EOP = { "CF-Connecting-IP": "40.92.1.1", "User-Agent": CHROME };

  it("serves Exchange Online Protection twice uncounted (default 2 passes) and counts the third", async () => {
    const s = await setup({ limit: 5 });
    for (let i = 0; i < 2; i++) {
      const res = await get(s, EOP);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(s.file.bytes);
      await expectCount(s, 0);
    }
    const third = await get(s, EOP);
    expect(third.status).toBe(200);
    expect(third.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
    const rows = await logRows(s);
    expect(rows.map((r) => [r.counted, r.reason, r.ip])).toEqual([
      [0, "scanner", "40.92.1.1"],
      [0, "scanner", "40.92.1.1"],
      [1, null, "40.92.1.1"],
    ]);
  });

  it("recognises a scanner's IPv6 address", async () => {
    const s = await setup();
    const res = await get(s, { "CF-Connecting-IP": "2a01:111:f400:fe00::1", "User-Agent": CHROME });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 0);
    expect((await logRows(s))[0]).toMatchObject({ counted: 0, reason: "scanner" });
  });

  it("serves a request with an empty User-Agent uncounted", async () => {
    const s = await setup();
    const res = await get(s, { "User-Agent": "" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 0);
    expect((await logRows(s))[0]).toMatchObject({ counted: 0, reason: "scanner" });
  });

  it("serves a request without any User-Agent header uncounted", async () => {
    const s = await setup();
    const res = await gatewayRaw(`https://${s.tenant.host}/downloads/${s.link.token}`, {
      headers: { "CF-Connecting-IP": "203.0.113.10" },
    });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(s.file.bytes);
    await expectCount(s, 0);
  });

  it("treats a tenant's own scanner networks like the built-in ones", async () => {
    const s = await setup({}, { settings: { scanner_networks: ["198.51.100.0/24", "2001:db8:5ca::/48"] } });
    expect((await get(s, { "CF-Connecting-IP": "198.51.100.77", "User-Agent": CHROME })).status).toBe(200);
    expect((await get(s, { "CF-Connecting-IP": "2001:db8:5ca::9", "User-Agent": CHROME })).status).toBe(200);
    await expectCount(s, 0);
    // The same addresses on another tenant count as usual.
    const other = await setup();
    expect((await get(other, { "CF-Connecting-IP": "198.51.100.77", "User-Agent": CHROME })).status).toBe(200);
    await expectCount(other, 1);
  });

  it("counts scanners at once when the tenant allows no passes", async () => {
    const s = await setup({}, { settings: { scanner_passes: 0 } });
    expect((await get(s, EOP)).status).toBe(200);
    await expectCount(s, 1);
  });

  it("never serves a scanner past the limit", async () => {
    const s = await setup({ limit: 1 });
    expect((await get(s, { "User-Agent": CHROME })).status).toBe(200);
    const res = await get(s, EOP);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ error: "limit_reached" });
    await expectCount(s, 1);
  });

  it("spends no pass on a HEAD, which is never counted anyway", async () => {
    const s = await setup();
    expect((await get(s, EOP, "HEAD")).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await get(s, EOP)).status).toBe(200);
    await expectCount(s, 0);
    expect((await get(s, EOP)).status).toBe(200);
    await expectCount(s, 1);
  });

  it("takes exactly the passes there are when scanners arrive together", async () => {
    const s = await setup();
    const answers = await Promise.all(Array.from({ length: 6 }, () => get(s, EOP)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    await expectCount(s, 4);
  });

  it("gives a reset link its passes back", async () => {
    const s = await setup();
    for (let i = 0; i < 3; i++) await get(s, EOP);
    await expectCount(s, 1);
    await s.link.stub.reset();
    await get(s, EOP);
    await expectCount(s, 0);
  });
});

describe("the issuer API shows what was suppressed", () => {
  it("reports preview, scanner and confirmation requests per link, from the log", async () => {
    const tenant = await createTenantWithAdminKey({ settings: { confirm_downloads: "browsers" } });
    const file = await uploadFile(tenant, { name: "album.zip", size: 800 });
    const entry = firstFile(await placeOrder(tenant, orderBody([file.id])));
    const url = entry.download_url as string;
    const drain = async (init: RequestInit) => (await fetchUrl(url, init)).arrayBuffer();
    await drain({ headers: { "User-Agent": PREVIEW_AGENTS.slack as string } });
    await drain({ headers: { "User-Agent": PREVIEW_AGENTS.whatsapp as string } });
    await drain({ headers: { "CF-Connecting-IP": "104.47.10.20", "User-Agent": CHROME } });
    await drain({ headers: { "User-Agent": CHROME, Accept: BROWSER_ACCEPT } });
    await drain({ headers: { "User-Agent": "curl/8.5.0", Accept: "*/*" } });
    const { linkStub } = await import("../../src/links/linkStub.ts");
    await flushOutboxes([linkStub(env, tenant.id, entry.link_id)]);
    const answer = await admin(tenant, "GET", `/links/${entry.link_id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      download_count: 1,
      suppressed: { preview: 2, scanner: 1, prefetch: 0, confirmation: 1 },
    });
  });
});
