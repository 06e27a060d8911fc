import { describe, expect, it } from "vitest";
import { deliveryParts } from "../../src/files/deliveryBody.ts";

const MiB = 1024 * 1024;

describe("deliveryParts", () => {
  it("sends a body of at most 1 MiB in one piece", () => {
    expect(deliveryParts(0, MiB, 0.5)).toEqual([{ offset: 0, length: MiB }]);
    expect(deliveryParts(0, 0, 0.5)).toEqual([{ offset: 0, length: 0 }]);
  });

  it("cuts a larger body at the refund threshold: two R2 reads, whatever the size (the first MiB is no read of its own)", () => {
    expect(deliveryParts(0, 64 * MiB, 0.5)).toEqual([
      { offset: 0, length: 32 * MiB },
      { offset: 32 * MiB, length: 32 * MiB },
    ]);
    expect(deliveryParts(0, 5 * 1024 * MiB, 0.5)).toHaveLength(2);
  });

  it("offsets every piece by the range's start", () => {
    expect(deliveryParts(1000, 4 * MiB, 0.25)).toEqual([
      { offset: 1000, length: MiB },
      { offset: 1000 + MiB, length: 3 * MiB },
    ]);
  });

  it("puts the threshold on a boundary even below 1 MiB, and sends one piece when nothing is refundable", () => {
    expect(deliveryParts(0, 1.5 * MiB, 0.5)).toEqual([
      { offset: 0, length: 0.75 * MiB },
      { offset: 0.75 * MiB, length: 0.75 * MiB },
    ]);
    expect(deliveryParts(0, 8 * MiB, 0)).toEqual([{ offset: 0, length: 8 * MiB }]);
    expect(deliveryParts(0, 8 * MiB, 1)).toEqual([{ offset: 0, length: 8 * MiB }]);
  });

  it.each([
    [3 * MiB + 7, 0.5],
    [10 * MiB + 1, 0.33],
    [2 * MiB, 0.999],
  ])("covers %i bytes at %f exactly, in order, the threshold a boundary", (length, fraction) => {
    const parts = deliveryParts(0, length, fraction);
    let at = 0;
    for (const part of parts) {
      expect(part.offset).toBe(at);
      expect(part.length).toBeGreaterThan(0);
      at += part.length;
    }
    expect(at).toBe(length);
    const threshold = Math.ceil(length * fraction);
    expect(parts.some((p) => p.offset === threshold || p.offset + p.length === threshold)).toBe(true);
  });
});
