/**
 * Local rate limits count in windows aligned to the wall clock (miniflare's limiter keys its
 * bucket on floor(now / period)), so a burst that straddles a window's end is counted in two.
 * Waits, when less than `neededMs` of the current window is left, for the next one to begin:
 * a test's burst then lands in one window, whatever the minute it starts in.
 */
export async function withinOneRateWindow(periodSeconds: number, neededMs = 15_000): Promise<void> {
  const periodMs = periodSeconds * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
