/**
 * The customer pages' shell and texts (src/pages/), checked on the rendered HTML.
 */
import { describe, expect, it } from "vitest";
import { html } from "../../src/pages/html.ts";
import { renderPage } from "../../src/pages/layout.ts";

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
