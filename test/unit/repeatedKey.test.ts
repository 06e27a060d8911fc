import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { repeatedKeyAt } from "../../src/http/repeatedKey.ts";

describe("repeatedKeyAt", () => {
  it.each([
    ['{"a":1,"a":2}', "a"],
    ['{"grant":{"download_limit":1},"grant":{}}', "grant"],
    ['{"items":[{"p":1},{"p":1,"q":[1,{"x":0,"x":1}]}]}', "items.1.q.1.x"],
    ['{"a":"\\"a\\":","a":0}', "a"],
    ['{"a":1,"\\u0061":2}', "a"],
    ['[{"s":"}{,\\\\"},{"s":1,"s":2}]', "1.s"],
    ['{"o":{},"o":[]}', "o"],
  ])("finds the repeated key of %s at %s", (text, path) => {
    expect(repeatedKeyAt(text)).toBe(path);
  });

  it.each([
    "{}",
    "[]",
    '"a"',
    "3",
    '{"a":{"a":{"a":1}}}',
    '[{"a":1},{"a":2}]',
    '{"a":"a","b":"a"}',
    '{"a":[{"b":1}],"b":{"a":2}}',
    '{"x\\\\":1,"x":2}',
  ])("accepts %s", (text) => {
    expect(repeatedKeyAt(text)).toBeNull();
  });

  it("walks a body nested 100,000 levels deep without recursion", () => {
    expect(repeatedKeyAt(`${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`)).toBeNull();
    expect(repeatedKeyAt(`${"[".repeat(100_000)}{"k":1,"k":2}${"]".repeat(100_000)}`)).toBe(`${"0.".repeat(100_000)}k`);
  });

  it("never reports a repeat in what JSON.stringify writes, and always finds one spliced in", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, key) => {
        expect(repeatedKeyAt(JSON.stringify(value))).toBeNull();
        const doubled = `{${JSON.stringify(key)}:${JSON.stringify(value) ?? "null"},${JSON.stringify(key)}:0}`;
        expect(repeatedKeyAt(doubled)).toBe(key);
      }),
    );
  });
});
