import { describe, expect, it } from "vitest";
import { ERROR_STATUS, HttpError } from "../../src/http/HttpError.ts";
import { escapeHtml, renderError, SECURITY_HEADERS } from "../../src/http/renderError.ts";

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

describe("renderError: HTML", () => {
  it("answers a small HTML page with the same status to a browser", async () => {
    const response = renderError(
      new HttpError("limit_reached", "You have used all 3 downloads."),
      request(BROWSER_ACCEPT),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    const body = await response.text();
    expect(body.startsWith("<!doctype html>")).toBe(true);
    expect(body).toContain("<title>Download limit reached</title>");
    expect(body).toContain("<h1>Download limit reached</h1>");
    expect(body).toContain("<p>You have used all 3 downloads.</p>");
    expect(body).toContain('<p class="code">Error 403</p>');
    expectSecurityHeaders(response);
  });

  it("uses a generic title for codes without their own", async () => {
    const body = await renderError(new HttpError("ip_not_allowed", "Wrong network."), request(BROWSER_ACCEPT)).text();
    expect(body).toContain("<title>The download could not be served</title>");
  });

  it("escapes the message so no markup or script can be injected", async () => {
    const message = `<script>alert("x")</script> & 'quotes'`;
    const body = await renderError(new HttpError("not_found", message), request(BROWSER_ACCEPT)).text();
    expect(body).not.toContain("<script>");
    expect(body).toContain("<p>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;</p>");
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
