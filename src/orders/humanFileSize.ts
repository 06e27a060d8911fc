const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

/**
 * A byte count as storefront pages print it: binary multiples, at most one decimal and
 * no space ("10MB" for 10 MiB, "1.5KB", "512B"). Null when the size is not known yet
 * (a pull-through file before its first download).
 */
export function humanFileSize(bytes: number | null): string | null {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return null;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  let rounded = Math.round(value * 10) / 10;
  // 1023.96 KB rounds to "1024KB": carry into the next unit instead.
  if (rounded >= 1024 && unit < UNITS.length - 1) {
    rounded = 1;
    unit += 1;
  }
  return `${rounded}${UNITS[unit]}`;
}
