import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StaleWhileErrorCache } from "../../src/utils/StaleWhileErrorCache.ts";

const T0 = 1_700_000_000_000;
const TTL = 30_000;

/** A loader that counts its calls and answers from a script of results. */
function scriptedLoader<T>(...results: (T | Error)[]) {
  let calls = 0;
  const load = vi.fn(async (): Promise<T> => {
    const result = results[Math.min(calls, results.length - 1)];
    calls += 1;
    if (result instanceof Error) throw result;
    return result as T;
  });
  return load;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("StaleWhileErrorCache", () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it("loads on a miss and returns the loaded value", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = scriptedLoader("v1");
    expect(await cache.get("k", load, T0)).toBe("v1");
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("serves a fresh value without loading again", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = scriptedLoader("v1", "v2");
    await cache.get("k", load, T0);
    expect(await cache.get("k", load, T0 + TTL - 1)).toBe("v1");
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("reloads once the TTL has passed", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = scriptedLoader("v1", "v2");
    await cache.get("k", load, T0);
    expect(await cache.get("k", load, T0 + TTL)).toBe("v2");
    expect(load).toHaveBeenCalledTimes(2);
    // The reloaded value is fresh for another TTL from the reload.
    expect(await cache.get("k", load, T0 + 2 * TTL - 1)).toBe("v2");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("keeps keys apart", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    expect(await cache.get("a", scriptedLoader("A"), T0)).toBe("A");
    expect(await cache.get("b", scriptedLoader("B"), T0)).toBe("B");
    expect(await cache.get("a", scriptedLoader("other"), T0)).toBe("A");
  });

  it("caches null like any other value (a tenant that does not exist)", async () => {
    const cache = new StaleWhileErrorCache<string | null>(TTL);
    const load = scriptedLoader<string | null>(null, "late");
    expect(await cache.get("k", load, T0)).toBeNull();
    expect(await cache.get("k", load, T0 + 1)).toBeNull();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("serves the stale value when a refresh fails, and logs a warning", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = scriptedLoader("v1", new Error("D1 down"));
    await cache.get("k", load, T0);
    expect(await cache.get("k", load, T0 + TTL + 5_000)).toBe("v1");
    expect(load).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("tries again on the next request after a failed refresh, and picks up the recovery", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = scriptedLoader("v1", new Error("down"), "v2");
    await cache.get("k", load, T0);
    expect(await cache.get("k", load, T0 + TTL)).toBe("v1");
    expect(await cache.get("k", load, T0 + TTL + 1)).toBe("v2");
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("throws the loader's error when nothing was ever cached", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const error = new Error("D1 down");
    await expect(cache.get("k", scriptedLoader<string>(error), T0)).rejects.toBe(error);
    expect(warn).not.toHaveBeenCalled();
  });

  it("does not cache a failure: the next miss loads again", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = scriptedLoader<string>(new Error("down"), "v1");
    await expect(cache.get("k", load, T0)).rejects.toThrow("down");
    expect(await cache.get("k", load, T0)).toBe("v1");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("shares one load between concurrent misses for the same key", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const gate = deferred<string>();
    const load = vi.fn(() => gate.promise);
    const first = cache.get("k", load, T0);
    const second = cache.get("k", load, T0);
    const third = cache.get("k", load, T0);
    gate.resolve("shared");
    expect(await Promise.all([first, second, third])).toStrictEqual(["shared", "shared", "shared"]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("does not share loads between different keys", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = vi.fn(async () => "v");
    await Promise.all([cache.get("a", load, T0), cache.get("b", load, T0)]);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("rejects every concurrent waiter when the shared load fails with nothing cached", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const gate = deferred<string>();
    const load = vi.fn(() => gate.promise);
    const first = cache.get("k", load, T0);
    const second = cache.get("k", load, T0);
    const error = new Error("down");
    gate.reject(error);
    await expect(first).rejects.toBe(error);
    await expect(second).rejects.toBe(error);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("serves the stale value to every concurrent waiter when the shared refresh fails", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    await cache.get("k", scriptedLoader("old"), T0);
    const gate = deferred<string>();
    const load = vi.fn(() => gate.promise);
    const first = cache.get("k", load, T0 + TTL);
    const second = cache.get("k", load, T0 + TTL);
    gate.reject(new Error("down"));
    expect(await Promise.all([first, second])).toStrictEqual(["old", "old"]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("starts a new load after a shared one has finished", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    const load = scriptedLoader("v1", "v2");
    await cache.get("k", load, T0);
    await cache.get("k", load, T0 + TTL);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("set() stores a fresh value and delete() forgets it", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    cache.set("k", "manual", T0);
    const load = scriptedLoader("loaded");
    expect(await cache.get("k", load, T0 + 1)).toBe("manual");
    expect(load).not.toHaveBeenCalled();
    cache.delete("k");
    expect(await cache.get("k", load, T0 + 2)).toBe("loaded");
  });

  it("clear() forgets everything, so a failure then has no stale value to fall back on", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL);
    await cache.get("k", scriptedLoader("v1"), T0);
    cache.clear();
    await expect(cache.get("k", scriptedLoader<string>(new Error("down")), T0 + 1)).rejects.toThrow("down");
  });

  it("evicts the oldest entry when full", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL, 2);
    cache.set("a", "A", T0);
    cache.set("b", "B", T0);
    cache.set("c", "C", T0);
    const load = scriptedLoader("reloaded");
    expect(await cache.get("b", load, T0)).toBe("B");
    expect(await cache.get("c", load, T0)).toBe("C");
    expect(load).not.toHaveBeenCalled();
    expect(await cache.get("a", load, T0)).toBe("reloaded");
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("does not evict when an existing key is overwritten at capacity", async () => {
    const cache = new StaleWhileErrorCache<string>(TTL, 2);
    cache.set("a", "A", T0);
    cache.set("b", "B", T0);
    cache.set("a", "A2", T0);
    const load = scriptedLoader("reloaded");
    expect(await cache.get("a", load, T0)).toBe("A2");
    expect(await cache.get("b", load, T0)).toBe("B");
    expect(load).not.toHaveBeenCalled();
  });
});
