/**
 * HTML built by tagged templates that escape every interpolated value unless it is
 * already `SafeHtml`. Store names, product and file names are tenant or customer input:
 * nothing reaches a page unescaped by accident.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes the five characters that matter in text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function piece(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map(piece).join("");
  return escapeHtml(String(value));
}

/**
 * `html\`<p>${name}</p>\`` → SafeHtml with `name` escaped. Arrays are joined, `null`,
 * `undefined` and `false` print nothing (for `${cond && html\`…\`}`).
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += piece(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}

/**
 * A URL for an `href`: only http(s) and mailto, so a `javascript:` or `data:` URL from a
 * store's settings can never become a clickable script. Null when it is not one of those.
 */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}
