import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { continuesDownload, parseRange } from "../../src/files/parseRange.ts";

const SIZE = 1000;

describe("parseRange: satisfiable single ranges", () => {
  it("serves bytes=a-b exactly", () => {
    expect(parseRange("bytes=0-499", SIZE)).toStrictEqual({ type: "partial", start: 0, end: 499 });
    expect(parseRange("bytes=500-999", SIZE)).toStrictEqual({ type: "partial", start: 500, end: 999 });
  });

  it("serves a one-byte range bytes=a-a", () => {
    expect(parseRange("bytes=0-0", SIZE)).toStrictEqual({ type: "partial", start: 0, end: 0 });
    expect(parseRange("bytes=999-999", SIZE)).toStrictEqual({ type: "partial", start: 999, end: 999 });
  });

  it("serves bytes=a- to the end of the file", () => {
    expect(parseRange("bytes=500-", SIZE)).toStrictEqual({ type: "partial", start: 500, end: 999 });
    expect(parseRange("bytes=0-", SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
    expect(parseRange("bytes=999-", SIZE)).toStrictEqual({ type: "partial", start: 999, end: 999 });
  });

  it("serves the last n bytes for a suffix range bytes=-n", () => {
    expect(parseRange("bytes=-200", SIZE)).toStrictEqual({ type: "partial", start: 800, end: 999 });
    expect(parseRange("bytes=-1", SIZE)).toStrictEqual({ type: "partial", start: 999, end: 999 });
  });

  it("serves the whole file as 206 when the suffix is longer than the file", () => {
    expect(parseRange("bytes=-5000", SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
    expect(parseRange("bytes=-1000", SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
  });

  it("clamps a last byte beyond the end to the last byte of the file", () => {
    expect(parseRange("bytes=0-5000", SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
    expect(parseRange("bytes=900-1000", SIZE)).toStrictEqual({ type: "partial", start: 900, end: 999 });
  });

  it("accepts a case-insensitive unit, whitespace and leading zeros", () => {
    expect(parseRange("BYTES=10-20", SIZE)).toStrictEqual({ type: "partial", start: 10, end: 20 });
    expect(parseRange("  bytes = 10 - 20  ", SIZE)).toStrictEqual({ type: "partial", start: 10, end: 20 });
    expect(parseRange("bytes=0010-0020", SIZE)).toStrictEqual({ type: "partial", start: 10, end: 20 });
  });

  it("serves the single byte of a one-byte file", () => {
    expect(parseRange("bytes=0-0", 1)).toStrictEqual({ type: "partial", start: 0, end: 0 });
    expect(parseRange("bytes=-1", 1)).toStrictEqual({ type: "partial", start: 0, end: 0 });
  });

  it("handles files beyond 4 GiB without losing precision", () => {
    const size = 5 * 2 ** 30 + 3;
    expect(parseRange("bytes=4294967296-", size)).toStrictEqual({
      type: "partial",
      start: 4294967296,
      end: size - 1,
    });
    expect(parseRange("bytes=-3", size)).toStrictEqual({ type: "partial", start: size - 3, end: size - 1 });
  });
});

describe("parseRange: unsatisfiable ranges (416)", () => {
  it("refuses a range that starts at or past the end", () => {
    expect(parseRange("bytes=1000-", SIZE)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange("bytes=1000-1200", SIZE)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange("bytes=5000-6000", SIZE)).toStrictEqual({ type: "unsatisfiable" });
  });

  it("refuses a zero-length suffix bytes=-0", () => {
    expect(parseRange("bytes=-0", SIZE)).toStrictEqual({ type: "unsatisfiable" });
  });

  it("refuses every range on an empty file", () => {
    expect(parseRange("bytes=0-", 0)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange("bytes=0-0", 0)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange("bytes=-5", 0)).toStrictEqual({ type: "unsatisfiable" });
  });
});

describe("parseRange: answered with the full file (200)", () => {
  it("serves the full file without a Range header, also for an empty file", () => {
    expect(parseRange(null, SIZE)).toStrictEqual({ type: "full" });
    expect(parseRange(null, 0)).toStrictEqual({ type: "full" });
  });

  it("ignores a multi-range request", () => {
    expect(parseRange("bytes=0-99,200-299", SIZE)).toStrictEqual({ type: "full" });
    expect(parseRange("bytes=0-0, -1", SIZE)).toStrictEqual({ type: "full" });
    expect(parseRange("bytes=0-99,", SIZE)).toStrictEqual({ type: "full" });
  });

  it.each([
    ["an empty value", ""],
    ["no numbers", "bytes=-"],
    ["no range at all", "bytes="],
    ["another unit", "items=0-10"],
    ["no unit", "0-10"],
    ["letters", "bytes=a-b"],
    ["a negative start", "bytes=--5"],
    ["a fractional position", "bytes=1.5-10"],
    ["a hexadecimal position", "bytes=0x10-20"],
    ["an exponent", "bytes=1e3-"],
    ["a plus sign", "bytes=+5-10"],
    ["a missing dash", "bytes=10"],
    ["two dashes", "bytes=1-2-3"],
    ["a colon instead of =", "bytes:0-10"],
    ["a trailing semicolon parameter", "bytes=0-10;q=1"],
  ])("ignores a malformed header: %s", (_name, header) => {
    expect(parseRange(header, SIZE)).toStrictEqual({ type: "full" });
  });

  it("ignores a range whose last byte precedes its first", () => {
    expect(parseRange("bytes=500-100", SIZE)).toStrictEqual({ type: "full" });
    expect(parseRange("bytes=5000-100", SIZE)).toStrictEqual({ type: "full" });
  });

  it("reads positions beyond 2^53 as past the end of the file (RFC 9110 §14.1.1)", () => {
    const huge = "9".repeat(30);
    // A start past the end is unsatisfiable; an end past it is clamped; a suffix longer than the file is all of it.
    expect(parseRange(`bytes=${huge}-`, SIZE)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange(`bytes=9007199254740993-`, SIZE)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange(`bytes=0-${huge}`, SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
    expect(parseRange(`bytes=5-${huge}`, SIZE)).toStrictEqual({ type: "partial", start: 5, end: 999 });
    expect(parseRange(`bytes=-${huge}`, SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
    expect(parseRange(`bytes=${"9".repeat(400)}-`, SIZE)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange(`bytes=${"0".repeat(400)}5-${"9".repeat(100_000)}`, SIZE)).toStrictEqual({
      type: "partial",
      start: 5,
      end: 999,
    });
  });

  it("tells a continuation (a single range from after byte 0) from a request that starts a download", () => {
    for (const header of ["bytes=500-", "bytes=500-999", `bytes=5-${"9".repeat(30)}`, "bytes = 1 - 2"]) {
      expect(continuesDownload(header)).toBe(true);
    }
    // Served whole (ignored headers), from byte 0, or suffixes: they start a download.
    for (const header of [null, "bytes=0-", "bytes=1-0", "bytes=0-10,20-30", "bytes=-500", "bytes=x-", "items=5-"]) {
      expect(continuesDownload(header)).toBe(false);
    }
  });

  it("still reads the largest safe integer as a position", () => {
    const max = String(Number.MAX_SAFE_INTEGER);
    expect(parseRange(`bytes=${max}-`, SIZE)).toStrictEqual({ type: "unsatisfiable" });
    expect(parseRange(`bytes=0-${max}`, SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
    expect(parseRange(`bytes=-${max}`, SIZE)).toStrictEqual({ type: "partial", start: 0, end: 999 });
  });
});

describe("parseRange: properties", () => {
  const sizes = fc.integer({ min: 1, max: 2 ** 40 });

  it("serves exactly [a, min(b, size-1)] for any satisfiable bytes=a-b", () => {
    fc.assert(
      fc.property(
        sizes.chain((size) =>
          fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: 2 ** 41 })),
        ),
        ([size, a, extra]) => {
          const b = a + extra;
          const plan = parseRange(`bytes=${a}-${b}`, size);
          const end = Math.min(b, size - 1);
          expect(plan).toStrictEqual({ type: "partial", start: a, end });
          expect(a).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThan(size);
          expect(end - a + 1).toBe(Math.min(b - a + 1, size - a));
        },
      ),
    );
  });

  it("serves [a, size-1] for any open range bytes=a- that starts inside the file", () => {
    fc.assert(
      fc.property(
        sizes.chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
        ([size, a]) => {
          expect(parseRange(`bytes=${a}-`, size)).toStrictEqual({ type: "partial", start: a, end: size - 1 });
        },
      ),
    );
  });

  it("serves exactly min(n, size) trailing bytes for any suffix bytes=-n with n ≥ 1", () => {
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 2 ** 41 }), (size, n) => {
        const plan = parseRange(`bytes=-${n}`, size);
        expect(plan).toStrictEqual({ type: "partial", start: Math.max(0, size - n), end: size - 1 });
        if (plan.type === "partial") expect(plan.end - plan.start + 1).toBe(Math.min(n, size));
      }),
    );
  });

  it("answers unsatisfiable for any range starting at or past the end", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.nat({ max: 2 ** 40 }), (size, beyond) => {
        expect(parseRange(`bytes=${size + beyond}-`, size)).toStrictEqual({ type: "unsatisfiable" });
      }),
    );
  });

  it("never throws and never plans bytes outside the file, whatever the header", () => {
    const header = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc
        .tuple(
          fc.constantFrom("bytes=", "BYTES =", "bytes= "),
          fc.string({ unit: fc.constantFrom(..."0123456789-, ") }),
        )
        .map(([unit, rest]) => unit + rest),
    );
    fc.assert(
      fc.property(header, fc.integer({ min: 0, max: 2 ** 40 }), (value, size) => {
        const plan = parseRange(value, size);
        if (plan.type === "partial") {
          expect(plan.start).toBeGreaterThanOrEqual(0);
          expect(plan.end).toBeGreaterThanOrEqual(plan.start);
          expect(plan.end).toBeLessThan(size);
        } else {
          expect(["full", "unsatisfiable"]).toContain(plan.type);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
