import { describe, expect, it } from "vitest";
import { ERROR_STATUS, HttpError } from "../../src/http/HttpError.ts";
import { escapeHtml, renderError, SECURITY_HEADERS } from "../../src/http/renderError.ts";
import { withFacts } from "../../src/pages/errorFacts.ts";
import type { PageStore } from "../../src/pages/store.ts";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

function request(accept?: string, method = "GET"): Request {
  return new Request("https://shop.test/downloads/x", {
    method,
    headers: accept === undefined ? {} : { Accept: accept },
  });
}

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get("Cache-Control")).toBe("private, no-store");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
}

describe("renderError: JSON", () => {
  it("answers {error, message} with the code's status", async () => {
    const response = renderError(new HttpError("expired", "This link expired."), request("*/*"));
    expect(response.status).toBe(410);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(await response.json()).toStrictEqual({ error: "expired", message: "This link expired." });
  });

  it("answers JSON when there is no request or no Accept header", async () => {
    const withoutRequest = renderError(new HttpError("not_found", "No such file."), undefined);
    expect(withoutRequest.status).toBe(404);
    expect(await withoutRequest.json()).toStrictEqual({ error: "not_found", message: "No such file." });
    const withoutAccept = renderError(new HttpError("not_found", "No such file."), request());
    expect(withoutAccept.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  });

  it("adds details for bad_request", async () => {
    const details = { field: "limit", problem: "must be ≥ 1" };
    const response = renderError(new HttpError("bad_request", "Invalid input.", {}, details), request());
    expect(response.status).toBe(400);
    expect(await response.json()).toStrictEqual({ error: "bad_request", message: "Invalid input.", details });
  });

  it("leaves details out when there are none", async () => {
    const body = await renderError(new HttpError("forbidden", "Not yours."), request()).text();
    expect(body).toBe('{"error":"forbidden","message":"Not yours."}');
  });

  it("carries the error's extra headers (Retry-After)", () => {
    const response = renderError(new HttpError("rate_limited", "Slow down.", { "Retry-After": "30" }), request());
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBe("30");
  });

  it("does not let the error's headers weaken the security headers' presence", () => {
    const response = renderError(
      new HttpError("range_not_satisfiable", "Range past the end.", { "Content-Range": "bytes */1000" }),
      request(),
    );
    expect(response.status).toBe(416);
    expect(response.headers.get("Content-Range")).toBe("bytes */1000");
    expectSecurityHeaders(response);
  });

  it("sends the security headers", () => {
    expectSecurityHeaders(renderError(new HttpError("invalid_token", "Bad link."), request()));
    expect(SECURITY_HEADERS).toStrictEqual({
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    });
  });

  it.each(Object.entries(ERROR_STATUS))("answers %s with status %i", async (code, status) => {
    const response = renderError(new HttpError(code as keyof typeof ERROR_STATUS, "m"), request());
    expect(response.status).toBe(status);
    expect(await response.json()).toStrictEqual({ error: code, message: "m" });
  });
});

describe("renderError: the docs/CONTRACT.md §7 status table", () => {
  it("maps every code of the contract to its status", () => {
    expect(ERROR_STATUS).toMatchObject({
      invalid_token: 403,
      not_yet_valid: 403,
      expired: 410,
      revoked: 410,
      limit_reached: 403,
      ip_not_allowed: 403,
      device_limit_reached: 403,
      pending: 403,
      auth_required: 401,
      forbidden: 403,
      not_found: 404,
      range_not_satisfiable: 416,
      rate_limited: 429,
      bad_request: 400,
      payload_too_large: 413,
      origin_error: 502,
      unavailable: 503,
    });
  });

  it("never maps a code to 500", () => {
    expect(Object.values(ERROR_STATUS)).not.toContain(500);
  });
});

const STORE: PageStore = {
  name: "Ada's <Books>",
  url: "https://books.example/",
  supportUrl: "mailto:help@books.example",
  signInUrl: "https://books.example/login",
};

function browser(language?: string, path = "/downloads/x"): Request {
  return new Request(`https://shop.test${path}`, {
    headers: { Accept: BROWSER_ACCEPT, ...(language ? { "Accept-Language": language } : {}) },
  });
}

/** Every sentence of a page's visible text (tags removed), to check that none repeats. */
function sentences(page: string): string[] {
  const text = page
    .replace(/<(style|title)>[\s\S]*?<\/\1>/g, "")
    .replace(/<[^>]+>/g, "\n")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  return text
    .split(/\n|(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

describe("renderError: HTML", () => {
  it("answers a customer page with the same status, the store's name and a link back", async () => {
    const response = renderError(new HttpError("expired", "Gone."), browser(), false, { store: STORE });
    expect(response.status).toBe(410);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("Content-Language")).toBe("en");
    const body = await response.text();
    expect(body.startsWith("<!doctype html>")).toBe(true);
    expect(body).toContain('<meta name="viewport" content="width=device-width,initial-scale=1"');
    expect(body).toContain("<h1>This download link has expired</h1>");
    expect(body).toContain("<header>Ada&#39;s &#60;Books&#62;</header>");
    expect(body).toContain('<a href="https://books.example/">← Back to Ada&#39;s &#60;Books&#62;</a>');
    expect(body).toContain("Ask the store for a new download link.");
    expect(body).toContain("Error 410 (expired)");
    expectSecurityHeaders(response);
  });

  it("sends a customer who must sign in to the store's sign-in page", async () => {
    const body = await renderError(new HttpError("auth_required", "Sign in."), browser(), false, {
      store: STORE,
    }).text();
    expect(body).toContain("<h1>Please sign in to download</h1>");
    expect(body).toContain('<a class="button" href="https://books.example/login">Sign in</a>');
  });

  it.each(["limit_reached", "revoked"] as const)("points %s to the store's support", async (code) => {
    const body = await renderError(new HttpError(code, "m"), browser(), false, { store: STORE }).text();
    expect(body).toContain("contact the store&#39;s support");
    expect(body).toContain('<a class="button" href="mailto:help@books.example">Contact support</a>');
  });

  it("says how many downloads were used when the refusal knows it", async () => {
    const error = withFacts(new HttpError("limit_reached", "m"), { used: { count: 3, limit: 3 } });
    const body = await renderError(error, browser(), false, { store: STORE }).text();
    expect(body).toContain("You have used 3 of 3 downloads.");
  });

  it("speaks the customer's language by Accept-Language, English otherwise", async () => {
    const german = await renderError(new HttpError("expired", "m"), browser("de-DE,de;q=0.9,en;q=0.8")).text();
    expect(german).toContain('<html lang="de">');
    expect(german).toContain("<h1>Dieser Download-Link ist abgelaufen</h1>");
    const french = await renderError(new HttpError("limit_reached", "m"), browser("fr-CH, fr;q=0.9")).text();
    expect(french).toContain("Limite de téléchargements atteinte");
    const spanish = await renderError(new HttpError("auth_required", "m"), browser("es")).text();
    expect(spanish).toContain("Inicie sesión para descargar");
    const other = await renderError(new HttpError("expired", "m"), browser("ja, zh;q=0.5")).text();
    expect(other).toContain('<html lang="en">');
  });

  it("never repeats a sentence on any error page, in any language", async () => {
    for (const language of ["en", "de", "fr", "es"]) {
      for (const code of Object.keys(ERROR_STATUS) as (keyof typeof ERROR_STATUS)[]) {
        const error = new HttpError(code, "m");
        const page = await renderError(error, browser(language), false, { store: STORE }).text();
        const all = sentences(page);
        expect(new Set(all).size, `${language} ${code}: ${all.join(" | ")}`).toBe(all.length);
      }
    }
  });

  it("escapes the store's name and refuses script URLs from its settings", async () => {
    const store: PageStore = {
      name: `<script>alert("x")</script>`,
      url: "javascript:alert(1)",
      supportUrl: null,
      signInUrl: "javascript:alert(2)",
    };
    const body = await renderError(new HttpError("auth_required", "m"), browser(), false, { store }).text();
    expect(body).not.toContain("<script>");
    expect(body).not.toContain("javascript:");
    expect(body).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
  });

  it("shows a page without store links when the store is unknown", async () => {
    const body = await renderError(new HttpError("not_found", "m"), browser()).text();
    expect(body).toContain("<h1>Not found</h1>");
    expect(body).not.toContain("<header>");
    expect(body).not.toContain('class="back"');
  });

  it("keeps extra headers on the HTML page", () => {
    const response = renderError(
      new HttpError("unavailable", "Try later.", { "Retry-After": "5" }),
      request(BROWSER_ACCEPT),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("5");
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  });

  it("answers JSON to a client that ranks JSON above HTML", async () => {
    const response = renderError(new HttpError("expired", "Gone."), request("application/json, text/html;q=0.5"));
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(await response.json()).toStrictEqual({ error: "expired", message: "Gone." });
  });

  it("keeps the issuer API's errors JSON in a browser: an admin 401 is not the customer's sign-in page", async () => {
    const response = renderError(
      new HttpError("auth_required", "Bearer admin key required."),
      browser("en", "/admin/v1/links/x"),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(await response.json()).toStrictEqual({ error: "auth_required", message: "Bearer admin key required." });
  });
});

describe("renderError: HEAD", () => {
  it("answers without a body but with the same status and headers", async () => {
    const response = renderError(
      new HttpError("rate_limited", "Slow down.", { "Retry-After": "7" }),
      request("*/*", "HEAD"),
      true,
    );
    expect(response.status).toBe(429);
    expect(response.body).toBeNull();
    expect(await response.text()).toBe("");
    expect(response.headers.get("Retry-After")).toBe("7");
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expectSecurityHeaders(response);
  });

  it("answers a browser's HEAD without a body too", async () => {
    const response = renderError(new HttpError("expired", "Gone."), request(BROWSER_ACCEPT, "HEAD"), true);
    expect(response.status).toBe(410);
    expect(response.body).toBeNull();
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  });
});

describe("escapeHtml", () => {
  it("escapes the five characters that matter in HTML text and attributes", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&#38;&#60;&#62;&#34;&#39;");
  });

  it("leaves other text, including non-ASCII, unchanged", () => {
    expect(escapeHtml("Résumé 日本 ok/;=")).toBe("Résumé 日本 ok/;=");
  });
});
