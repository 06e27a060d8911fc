import { describe, expect, it } from "vitest";
import { isSpeculative } from "../../src/http/purpose.ts";
import { formatDateTime, pickLanguage } from "../../src/pages/i18n.ts";

describe("pickLanguage: Accept-Language with q-values (RFC 9110 §12.5.4)", () => {
  it("takes the first supported language in order of preference", () => {
    expect(pickLanguage("de-DE,de;q=0.9,en;q=0.8")).toBe("de");
    expect(pickLanguage("fr-CA")).toBe("fr");
    expect(pickLanguage("ES")).toBe("es");
    expect(pickLanguage("ja,zh;q=0.9,fr;q=0.5")).toBe("fr");
  });

  it("ranks by q-value, not by position, and keeps the order of equal ones", () => {
    expect(pickLanguage("en;q=0.5, de")).toBe("de");
    expect(pickLanguage("fr;q=0.9, es;q=0.95")).toBe("es");
    expect(pickLanguage("de;q=0.8, fr;q=0.8")).toBe("de");
  });

  it("never picks a language the customer refused with q=0", () => {
    expect(pickLanguage("de;q=0, fr;q=0.1")).toBe("fr");
    expect(pickLanguage("de;q=0")).toBe("en");
    expect(pickLanguage("de;q=0.000, es;q=0.001")).toBe("es");
  });

  it("falls back to English for nothing, a wildcard, unknown languages or garbage", () => {
    expect(pickLanguage(null)).toBe("en");
    expect(pickLanguage("")).toBe("en");
    expect(pickLanguage("*")).toBe("en");
    expect(pickLanguage("it, pt-BR")).toBe("en");
    expect(pickLanguage(";;;,,q=1,<script>")).toBe("en");
    // An invalid q-value does not count as a preference.
    expect(pickLanguage("de;q=2, fr;q=abc, es;q=0.3")).toBe("es");
  });
});

describe("formatDateTime", () => {
  it("writes the date in the customer's language, in UTC", () => {
    const at = Date.UTC(2026, 11, 27, 16, 40) / 1000;
    expect(formatDateTime("en", at)).toBe("Dec 27, 2026, 4:40 PM UTC");
    expect(formatDateTime("de", at)).toBe("27.12.2026, 16:40 UTC");
  });
});

describe("isSpeculative: browser prefetch and prerender headers", () => {
  const speculative = (headers: Record<string, string>) => isSpeculative(new Headers(headers));

  it("recognises every purpose header browsers send", () => {
    expect(speculative({ "Sec-Purpose": "prefetch" })).toBe(true);
    expect(speculative({ "Sec-Purpose": "prefetch;prerender" })).toBe(true);
    expect(speculative({ "Sec-Purpose": "prefetch; anonymous-client-ip" })).toBe(true);
    expect(speculative({ Purpose: "Prefetch" })).toBe(true);
    expect(speculative({ "X-Purpose": "preview" })).toBe(true);
    expect(speculative({ "X-Moz": "prefetch" })).toBe(true);
  });

  it("leaves ordinary requests and look-alike values alone", () => {
    expect(speculative({})).toBe(false);
    expect(speculative({ Purpose: "noprefetch" })).toBe(false);
    expect(speculative({ "Sec-Purpose": "prefetcher" })).toBe(false);
    expect(speculative({ "X-Moz": "" })).toBe(false);
  });
});
