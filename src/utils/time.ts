/** Unix seconds → ISO 8601, keeping null as null. */
export function isoFromSeconds(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString();
}

/** Unix ms → ISO 8601, keeping null as null. */
export function isoFromMs(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
