import { describe, expect, it } from "vitest";
import { prefersHtml } from "../../src/http/prefersHtml.ts";

describe("prefersHtml", () => {
  it("answers true for the Accept header browsers send on navigation", () => {
    expect(prefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8")).toBe(
      true,
    );
    expect(prefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).toBe(true);
  });

  it("answers false for curl's */* and for no Accept header", () => {
    expect(prefersHtml("*/*")).toBe(false);
    expect(prefersHtml(null)).toBe(false);
    expect(prefersHtml("")).toBe(false);
  });

  it("answers false for API clients asking for JSON", () => {
    expect(prefersHtml("application/json")).toBe(false);
    expect(prefersHtml("application/json, text/plain, */*")).toBe(false);
  });

  it("answers true for XHTML alone", () => {
    expect(prefersHtml("application/xhtml+xml")).toBe(true);
  });

  it("weighs quality values: the higher q wins", () => {
    expect(prefersHtml("text/html;q=0.5, application/json;q=0.9")).toBe(false);
    expect(prefersHtml("text/html;q=0.9, application/json;q=0.5")).toBe(true);
    expect(prefersHtml("application/json;q=0.4, text/html")).toBe(true);
  });

  it("answers false on a tie, so JSON stays the default", () => {
    expect(prefersHtml("text/html, application/json")).toBe(false);
    expect(prefersHtml("text/html;q=0.8, application/json;q=0.8")).toBe(false);
  });

  it("answers false when HTML is explicitly refused with q=0", () => {
    expect(prefersHtml("text/html;q=0")).toBe(false);
    expect(prefersHtml("text/html;q=0, */*")).toBe(false);
  });

  it("ignores case and whitespace around types and parameters", () => {
    expect(prefersHtml("TEXT/HTML")).toBe(true);
    expect(prefersHtml("  text/html ; q=0.7 , application/json ; q=0.6 ")).toBe(true);
    expect(prefersHtml("text/html;level=1;q=0.3, application/json;q=0.2")).toBe(true);
  });

  it("reads an unparseable or empty q value as 0 rather than throwing", () => {
    expect(prefersHtml("text/html;q=abc")).toBe(false);
    expect(prefersHtml("text/html;q=")).toBe(false);
    expect(prefersHtml("text/html;q=abc, application/xhtml+xml;q=0.5")).toBe(true);
  });

  it("does not count wildcards as HTML", () => {
    expect(prefersHtml("text/*")).toBe(false);
    expect(prefersHtml("text/plain, image/png")).toBe(false);
  });

  it("survives garbage", () => {
    expect(prefersHtml(",,,;;;===")).toBe(false);
    expect(prefersHtml("text/html;;;q=0.5;;")).toBe(true);
  });
});
