const CANONICAL_INTEGER = /^(0|[1-9][0-9]{0,15})$/;

/**
 * A store-supplied identifier (order number, customer id, product id) as the storefront
 * systems of docs/PROFILES.md type it: a JSON integer when the stored text is a canonical
 * decimal integer that survives a round trip through a double ("1050" → 1050), else the
 * text unchanged ("0012", "A-1050"), since turning it into a number would lose it.
 */
export function integerOrString(value: string): number | string {
  if (!CANONICAL_INTEGER.test(value)) return value;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}
