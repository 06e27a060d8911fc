/** One plural rule per language, built once (CLDR's, as `Intl.PluralRules` knows them). */
const RULES = new Map<string, Intl.PluralRules>();

/**
 * `one` when the language uses its singular for `count`, else `other`: English, German and
 * Spanish only for 1, French for 0 and 1 (CLDR). The catalogs' other CLDR categories (such
 * as French and Spanish `many`, for millions) take the plural form.
 */
export function plural(lang: string, count: number, one: string, other: string): string {
  let rules = RULES.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(lang);
    RULES.set(lang, rules);
  }
  return rules.select(count) === "one" ? one : other;
}
