/**
 * An isolate-local cache with a TTL that keeps serving the last good value when a
 * refresh fails. This is what lets a warm isolate go on serving downloads while D1
 * is unreachable (docs/CONTRACT.md §6 rule 7, STYLE.md rule 7). Concurrent misses for one
 * key share one load.
 */
export class StaleWhileErrorCache<T> {
  private readonly entries = new Map<string, { value: T; freshUntil: number }>();
  private readonly inflight = new Map<string, Promise<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<T>, now = Date.now()): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.freshUntil > now) return entry.value;

    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    try {
      const value = await pending;
      this.set(key, value, now);
      return value;
    } catch (error) {
      if (entry) {
        console.warn(`cache refresh failed for ${key}; serving the stale value`, error);
        return entry.value;
      }
      throw error;
    }
  }

  set(key: string, value: T, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      // Drop the oldest insertion: Map iterates in insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, freshUntil: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
