/**
 * The customer pages' shell and texts (src/pages/), checked on the rendered HTML.
 */
import { describe, expect, it } from "vitest";
import { escapeHtml, html } from "../../src/pages/html.ts";
import { HttpError } from "../../src/http/HttpError.ts";
import { withFacts } from "../../src/pages/errorFacts.ts";
import { errorPage } from "../../src/pages/errorPage.ts";
import { LANGUAGES, messages, type Lang } from "../../src/pages/i18n.ts";
import { renderPage } from "../../src/pages/layout.ts";
import { orderPage, type OrderPageFile, type OrderPageOptions } from "../../src/pages/orderPage.ts";

async function pageText(
  title = "A file",
  store = { name: "Maple & Ink", url: null, supportUrl: null, signInUrl: null },
) {
  const response = renderPage({ lang: "en", store, title, body: html`<p>${'<b>"x"</b>'}</p>` });
  return response.text();
}

function styleOf(page: string): string {
  const match = /<style>([\s\S]*?)<\/style>/.exec(page);
  if (!match?.[1]) throw new Error("no <style> in the page");
  return match[1];
}

describe("the page shell", () => {
  it("puts its CSS in <style> unescaped, so the font list's quotes reach the browser", async () => {
    const page = await pageText();
    const style = styleOf(page);
    expect(style).toContain('"Segoe UI"');
    expect(style).toContain('font:17px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI"');
    expect(style).not.toContain("&#34;");
    expect(style).not.toMatch(/&#\d+;/);
  });

  it("still escapes everything else: the title, the store's name and the body's values", async () => {
    const page = await pageText('<script>"t"</script>');
    expect(page).not.toContain("<script>");
    expect(page).toContain("&#60;script&#62;&#34;t&#34;&#60;/script&#62;");
    expect(page).toContain("Maple &#38; Ink");
    expect(page).toContain("&#60;b&#62;&#34;x&#34;&#60;/b&#62;");
  });

  it("lets headings and text wrap anywhere, so a long name without spaces fits a 390 px phone", async () => {
    const style = styleOf(await pageText(`${"Very_Long_File_Name_Without_Spaces_".repeat(4)}.pdf`));
    // On body, which h1, p and li inherit it from.
    const body = /(?:^|\})body\{([^}]*)\}/.exec(style)?.[1] ?? "";
    expect(body).toContain("overflow-wrap:anywhere");
    // Nothing closer to the heading or the text sets it back.
    expect(style).not.toMatch(/overflow-wrap:normal/);
  });
});

describe("plural forms follow the count, per language", () => {
  const used = (lang: Lang, count: number, limit: number) => messages(lang).used(count, limit);
  const left = (lang: Lang, count: number, limit: number) => messages(lang).order.remaining(count, limit);

  it("French: singular for 0 and 1, plural from 2", () => {
    expect([0, 1, 2].map((n) => used("fr", n, 3))).toEqual([
      "Vous avez utilisé 0 téléchargement sur 3.",
      "Vous avez utilisé 1 téléchargement sur 3.",
      "Vous avez utilisé 2 téléchargements sur 3.",
    ]);
    expect([0, 1, 2].map((n) => left("fr", n, 3))).toEqual([
      "0 téléchargement restant sur 3",
      "1 téléchargement restant sur 3",
      "2 téléchargements restants sur 3",
    ]);
  });

  it("Spanish: singular only for 1 (verb by what is left, noun by the limit)", () => {
    expect([0, 1, 2].map((n) => left("es", n, 3))).toEqual([
      "Quedan 0 de 3 descargas",
      "Queda 1 de 3 descargas",
      "Quedan 2 de 3 descargas",
    ]);
    expect([0, 1, 2].map((n) => left("es", n, 1))).toEqual([
      "Quedan 0 de 1 descarga",
      "Queda 1 de 1 descarga",
      "Quedan 2 de 1 descarga",
    ]);
    expect([0, 1, 2].map((n) => used("es", 0, n))).toEqual([
      "Ha usado 0 de 0 descargas.",
      "Ha usado 0 de 1 descarga.",
      "Ha usado 0 de 2 descargas.",
    ]);
  });

  it("English and German: the noun follows the limit (“of 1 download”), singular only for 1", () => {
    expect([0, 1, 2].map((n) => used("en", 0, n))).toEqual([
      "You have used 0 of 0 downloads.",
      "You have used 0 of 1 download.",
      "You have used 0 of 2 downloads.",
    ]);
    expect([0, 1, 2].map((n) => left("en", n, 2))).toEqual([
      "0 of 2 downloads left",
      "1 of 2 downloads left",
      "2 of 2 downloads left",
    ]);
    expect(left("en", 1, 1)).toBe("1 of 1 download left");
    expect([0, 1, 2].map((n) => used("de", 1, n))).toEqual([
      "Sie haben 1 von 0 Downloads genutzt.",
      "Sie haben 1 von 1 Download genutzt.",
      "Sie haben 1 von 2 Downloads genutzt.",
    ]);
    expect([0, 1, 2].map((n) => left("de", 0, n))).toEqual([
      "0 von 0 Downloads übrig",
      "0 von 1 Download übrig",
      "0 von 2 Downloads übrig",
    ]);
  });
});

describe("a held order's or blocked link's error page", () => {
  const store = { name: "Kiosk", url: null, supportUrl: "https://kiosk.example/help", signInUrl: null };
  /** The page's sentences that send the customer to support (the button's label aside). */
  const SUPPORT = /support|Kundendienst|service client|soporte|servicio de atención/i;

  it.each(LANGUAGES.flatMap((lang) => (["order_held", "sharing"] as const).map((reason) => [lang, reason] as const)))(
    "%s, %s: says why and sends to support once, with the support button",
    async (lang, reason) => {
      const error = withFacts(new HttpError("suspended", "On hold."), { suspension: reason });
      const page = await errorPage(error, { lang, store }).text();
      const t = messages(lang);
      const sentences = [...page.matchAll(/<p>([^<]*)<\/p>/g)].map((m) => m[1] ?? "");
      expect(sentences).toEqual([escapeHtml(t.suspension[reason]), escapeHtml(t.next.support)]);
      expect(sentences.filter((s) => SUPPORT.test(s))).toHaveLength(1);
      expect(page).toContain(`<a class="button" href="https://kiosk.example/help">${t.next.supportButton}</a>`);
    },
  );
});

describe("the hosted order page's lead and support", () => {
  const store = { name: "Kiosk", url: null, supportUrl: "https://kiosk.example/help", signInUrl: null };
  const en = messages("en");
  const file = (over: Partial<OrderPageFile>): OrderPageFile => ({
    name: "Album.zip",
    product: "Album",
    variant: null,
    size: 2048,
    status: "available",
    remaining: 3,
    limit: 3,
    expiresAt: null,
    url: "https://kiosk.test/downloads/t",
    ...over,
  });
  const render = (orderStatus: OrderPageOptions["orderStatus"], files: OrderPageFile[]) =>
    orderPage({ lang: "en", store, orderNumber: "1001", orderStatus, files }).text();
  const supportButton = `<a class="button" href="https://kiosk.example/help">${en.next.supportButton}</a>`;

  it("says what the buttons do when there is one; support only when a file needs it", async () => {
    const page = await render("complete", [file({}), file({ name: "b.pdf", status: "exhausted", url: null })]);
    expect(page).toContain(en.order.intro);
    // One file used up: the customer is pointed to support for it.
    expect(page).toContain(escapeHtml(en.next.support));
    const allFine = await render("complete", [file({})]);
    expect(allFine).toContain(en.order.intro);
    expect(allFine).not.toContain(escapeHtml(en.next.support));
    expect(allFine).not.toContain(supportButton);
  });

  it.each([
    ["held for review", "suspended"],
    ["all downloads used", "exhausted"],
  ] as const)("%s: no button, so no button lead, and the store's support with its button", async (_case, status) => {
    const page = await render("complete", [
      file({ status, url: null, remaining: 0 }),
      file({ name: "b.pdf", status, url: null }),
    ]);
    expect(page).not.toContain(en.order.intro);
    expect(page).not.toContain('class="button" href="https://kiosk.test/downloads');
    expect(page).toContain(`<strong>${escapeHtml(en.order.status[status])}</strong>`);
    expect(page.split(escapeHtml(en.next.support))).toHaveLength(2);
    expect(page).toContain(supportButton);
  });

  it("a pending order: its note, no button lead, no support", async () => {
    const page = await render("pending", [file({ status: "pending", url: null })]);
    expect(page).toContain(en.order.pending);
    expect(page).not.toContain(en.order.intro);
    expect(page).not.toContain(supportButton);
  });
});
