import type { LinkStatus } from "../policy/linkFigures.ts";
import type { ErrorCode } from "../http/HttpError.ts";
import type { Suspension } from "./errorFacts.ts";
import { de } from "./catalog/de.ts";
import { en } from "./catalog/en.ts";
import { es } from "./catalog/es.ts";
import { fr } from "./catalog/fr.ts";

/** Languages the customer pages speak; English is the fallback. */
export const LANGUAGES = ["en", "de", "fr", "es"] as const;
export type Lang = (typeof LANGUAGES)[number];

/** A title and one explanation; the two never say the same thing twice. */
export interface TitleText {
  title: string;
  text: string;
}

/**
 * One language's sentences for every customer page. Each language file must fill all of
 * it (the type checker enforces that), so no page falls back to English half-way.
 */
export interface Messages {
  /** "Back to {store}" link. */
  backTo: (store: string) => string;
  /** Small print under an error, for support requests. */
  errorReference: (status: number, code: string) => string;
  errors: Record<ErrorCode, TitleText>;
  /**
   * Why a `suspended` link is paused, when the gateway knows (pages/errorFacts.ts). Only why:
   * the page's next step (`next.support`) says to contact support, once.
   */
  suspension: Record<Suspension, string>;
  /** "You have used 3 of 3 downloads." */
  used: (count: number, limit: number) => string;
  /** Next steps, chosen by the error's reason (pages/errorPage.ts). */
  next: {
    signIn: string;
    signInButton: string;
    support: string;
    supportButton: string;
    newLink: string;
    pending: string;
    retry: string;
    later: string;
  };
  order: {
    title: (number: string) => string;
    intro: string;
    pending: string;
    canceled: string;
    empty: string;
    privacy: string;
    download: string;
    size: string;
    unknownSize: string;
    remaining: (left: number, limit: number) => string;
    unlimited: string;
    until: (date: string) => string;
    noExpiry: string;
    /** Why a file of a paid order has no Download button. */
    status: Record<Exclude<LinkStatus, "available">, string>;
  };
}

const CATALOG: Record<Lang, Messages> = { en, de, fr, es };

export function messages(lang: Lang): Messages {
  return CATALOG[lang];
}

function isLang(tag: string): tag is Lang {
  return (LANGUAGES as readonly string[]).includes(tag);
}

/**
 * The customer's language from `Accept-Language` (RFC 9110 §12.5.4): ranges in order of
 * their q-value (ties keep their order), `q=0` means "not this one"; `de-CH` matches `de`,
 * `*` and anything unknown fall back to English.
 */
export function pickLanguage(acceptLanguage: string | null): Lang {
  if (!acceptLanguage) return "en";
  const ranges: { tag: string; q: number; index: number }[] = [];
  acceptLanguage.split(",").forEach((part, index) => {
    const [rawTag = "", ...params] = part.split(";");
    const tag = rawTag.trim().toLowerCase();
    if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(tag)) return;
    let q = 1;
    for (const param of params) {
      const [key = "", value = ""] = param.split("=").map((s) => s.trim().toLowerCase());
      if (key !== "q") continue;
      q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0;
    }
    if (q > 0) ranges.push({ tag, q, index });
  });
  ranges.sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    if (tag === "*") return "en";
    const primary = tag.split("-")[0] ?? "";
    if (isLang(primary)) return primary;
  }
  return "en";
}

/** A date and time as the customer's language writes it, in UTC (the page cannot know the zone). */
export function formatDateTime(lang: Lang, unixSeconds: number): string {
  const text = new Intl.DateTimeFormat(lang, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }).format(new Date(unixSeconds * 1000));
  return `${text} UTC`;
}
