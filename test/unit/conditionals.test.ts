import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateConditionals, ifRangeAllowsPartial, type Validators } from "../../src/files/conditionals.ts";

const ETAG = '"5d41402abc4b2a76b9719d911017c592"';
const OTHER = '"0000000000000000000000000000000a"';
// 2024-03-01T12:00:00.750Z: the fraction is lost in Last-Modified, which has second precision.
const MODIFIED_MS = Date.UTC(2024, 2, 1, 12, 0, 0) + 750;
const V: Validators = { etag: ETAG, lastModified: MODIFIED_MS };

const httpDate = (ms: number): string => new Date(ms).toUTCString();
const LAST_MODIFIED = httpDate(MODIFIED_MS); // "Fri, 01 Mar 2024 12:00:00 GMT"
const EARLIER = httpDate(MODIFIED_MS - 60_000);
const LATER = httpDate(MODIFIED_MS + 60_000);

const evaluate = (headers: Record<string, string>) => evaluateConditionals(new Headers(headers), V);
const partial = (headers: Record<string, string>) => ifRangeAllowsPartial(new Headers(headers), V);

describe("evaluateConditionals: no conditions", () => {
  it("proceeds without conditional headers", () => {
    expect(evaluate({})).toBe("proceed");
  });

  it("formats the test date at second precision", () => {
    expect(LAST_MODIFIED).toBe("Fri, 01 Mar 2024 12:00:00 GMT");
  });
});

describe("evaluateConditionals: If-Match (strong comparison)", () => {
  it("proceeds when the ETag matches", () => {
    expect(evaluate({ "If-Match": ETAG })).toBe("proceed");
  });

  it("proceeds for *", () => {
    expect(evaluate({ "If-Match": "*" })).toBe("proceed");
    expect(evaluate({ "If-Match": "  *  " })).toBe("proceed");
  });

  it("proceeds when any tag of a list matches", () => {
    expect(evaluate({ "If-Match": `${OTHER}, ${ETAG}` })).toBe("proceed");
    expect(evaluate({ "If-Match": `${OTHER},${ETAG}` })).toBe("proceed");
  });

  it("fails with 412 when no tag matches", () => {
    expect(evaluate({ "If-Match": OTHER })).toBe("precondition_failed");
    expect(evaluate({ "If-Match": `${OTHER}, "abc"` })).toBe("precondition_failed");
  });

  it("fails with 412 for the weak form of the same tag (strong comparison)", () => {
    expect(evaluate({ "If-Match": `W/${ETAG}` })).toBe("precondition_failed");
  });

  it.each([
    ["an unquoted tag", "5d41402abc4b2a76b9719d911017c592"],
    ["an unterminated quote", '"5d41402abc'],
    ["a lowercase weak prefix", `w/${ETAG}`],
    ["garbage after a tag", `${ETAG} junk`],
    ["an empty value", ""],
    ["a lone comma", ","],
  ])("fails with 412 for a malformed If-Match: %s", (_name, value) => {
    expect(evaluate({ "If-Match": value })).toBe("precondition_failed");
  });

  it("ignores If-Unmodified-Since when If-Match is present (RFC 9110 §13.2.2 step 2)", () => {
    expect(evaluate({ "If-Match": ETAG, "If-Unmodified-Since": EARLIER })).toBe("proceed");
  });
});

describe("evaluateConditionals: If-Unmodified-Since", () => {
  it("proceeds when the file is unmodified since the date", () => {
    expect(evaluate({ "If-Unmodified-Since": LATER })).toBe("proceed");
  });

  it("proceeds when the date equals Last-Modified to the second, despite milliseconds", () => {
    expect(evaluate({ "If-Unmodified-Since": LAST_MODIFIED })).toBe("proceed");
  });

  it("fails with 412 when the file changed after the date", () => {
    expect(evaluate({ "If-Unmodified-Since": EARLIER })).toBe("precondition_failed");
    expect(evaluate({ "If-Unmodified-Since": httpDate(MODIFIED_MS - 1000) })).toBe("precondition_failed");
  });

  it.each(["yesterday", "", "Fri, 32 Mar 2024 99:00:00 GMT", "0", "2000-01-01"])("ignores a bad date: %j", (value) => {
    expect(evaluate({ "If-Unmodified-Since": value })).toBe("proceed");
  });
});

describe("evaluateConditionals: If-None-Match (weak comparison)", () => {
  it("answers 304 when the ETag matches", () => {
    expect(evaluate({ "If-None-Match": ETAG })).toBe("not_modified");
  });

  it("answers 304 for the weak form of the same tag (weak comparison)", () => {
    expect(evaluate({ "If-None-Match": `W/${ETAG}` })).toBe("not_modified");
  });

  it("answers 304 for *", () => {
    expect(evaluate({ "If-None-Match": "*" })).toBe("not_modified");
  });

  it("answers 304 when any tag of a list matches", () => {
    expect(evaluate({ "If-None-Match": `${OTHER}, W/"x", ${ETAG}` })).toBe("not_modified");
  });

  it("proceeds when no tag matches", () => {
    expect(evaluate({ "If-None-Match": OTHER })).toBe("proceed");
    expect(evaluate({ "If-None-Match": `${OTHER}, W/${OTHER}` })).toBe("proceed");
  });

  it.each([
    ["an unquoted tag", "5d41402abc4b2a76b9719d911017c592"],
    ["a broken list", `${ETAG} ${ETAG}`],
    ["an empty value", ""],
    ["punctuation noise", "@@@;;"],
  ])("proceeds, without throwing, for a malformed If-None-Match: %s", (_name, value) => {
    expect(evaluate({ "If-None-Match": value })).toBe("proceed");
  });

  it("ignores If-Modified-Since when If-None-Match is present (RFC 9110 §13.2.2 step 4)", () => {
    expect(evaluate({ "If-None-Match": OTHER, "If-Modified-Since": LATER })).toBe("proceed");
  });
});

describe("evaluateConditionals: If-Modified-Since", () => {
  it("answers 304 when the file has not changed since the date", () => {
    expect(evaluate({ "If-Modified-Since": LATER })).toBe("not_modified");
  });

  it("answers 304 when the date equals Last-Modified to the second, despite milliseconds", () => {
    expect(evaluate({ "If-Modified-Since": LAST_MODIFIED })).toBe("not_modified");
  });

  it("proceeds when the file changed after the date", () => {
    expect(evaluate({ "If-Modified-Since": EARLIER })).toBe("proceed");
    expect(evaluate({ "If-Modified-Since": httpDate(MODIFIED_MS - 1000) })).toBe("proceed");
  });

  it.each(["not a date", "", "Fri, 01 Mar 2024 25:61:00 GMT", `${LAST_MODIFIED}, ${LATER}`])(
    "ignores a bad date: %j",
    (value) => {
      expect(evaluate({ "If-Modified-Since": value })).toBe("proceed");
    },
  );

  it.each([
    ["a bare number Date.parse reads as a year", "3000"],
    ["an ISO 8601 timestamp", "2030-01-01T00:00:00Z"],
    ["a date without a time", "Sat, 01 Mar 2025"],
    ["a date in another zone", "Sat, 01 Mar 2025 12:00:00 +0100"],
    ["a day that does not exist", "Mon, 31 Feb 2025 12:00:00 GMT"],
    ["an hour past 23", "Sat, 01 Mar 2025 24:00:00 GMT"],
  ])("ignores a value that is not an HTTP-date (RFC 9110 §13.1.3): %s", (_name, value) => {
    expect(evaluate({ "If-Modified-Since": value })).toBe("proceed");
  });

  it("accepts the obsolete RFC 850 and asctime formats (RFC 9110 §5.6.7)", () => {
    expect(evaluate({ "If-Modified-Since": "Friday, 01-Mar-24 12:00:00 GMT" })).toBe("not_modified");
    expect(evaluate({ "If-Modified-Since": "Friday, 01-Mar-24 11:59:59 GMT" })).toBe("proceed");
    expect(evaluate({ "If-Modified-Since": "Fri Mar  1 12:00:00 2024" })).toBe("not_modified");
    expect(evaluate({ "If-Modified-Since": "Fri Mar  1 11:59:59 2024" })).toBe("proceed");
  });

  it("reads a two-digit RFC 850 year more than 50 years ahead as the previous century", () => {
    // "94" is 1994, long before the file was modified; read as 2094 it would answer 304.
    expect(evaluate({ "If-Modified-Since": "Sunday, 06-Nov-94 08:49:37 GMT" })).toBe("proceed");
  });
});

describe("evaluateConditionals: precedence", () => {
  it("answers 412 rather than 304 when If-Match fails and If-None-Match matches", () => {
    expect(evaluate({ "If-Match": OTHER, "If-None-Match": ETAG })).toBe("precondition_failed");
  });

  it("answers 412 rather than 304 when If-Unmodified-Since fails and If-Modified-Since matches", () => {
    expect(evaluate({ "If-Unmodified-Since": EARLIER, "If-Modified-Since": LATER })).toBe("precondition_failed");
  });

  it("answers 304 when If-Match passes and If-None-Match matches", () => {
    expect(evaluate({ "If-Match": ETAG, "If-None-Match": ETAG })).toBe("not_modified");
  });

  it("answers 304 when If-Unmodified-Since passes and If-Modified-Since matches", () => {
    expect(evaluate({ "If-Unmodified-Since": LATER, "If-Modified-Since": LAST_MODIFIED })).toBe("not_modified");
  });

  it("never throws, whatever the four headers hold", () => {
    const value = fc.oneof(
      fc.string({ unit: "binary-ascii" }),
      fc.constantFrom(ETAG, `W/${ETAG}`, "*", LAST_MODIFIED, EARLIER, LATER, `${ETAG},`, "W/"),
    );
    const clean = (s: string) => s.replace(/[\r\n\0]/g, "");
    fc.assert(
      fc.property(value, value, value, value, value, (im, ius, inm, ims, ir) => {
        const headers = new Headers({
          "If-Match": clean(im),
          "If-Unmodified-Since": clean(ius),
          "If-None-Match": clean(inm),
          "If-Modified-Since": clean(ims),
          "If-Range": clean(ir),
        });
        expect(["proceed", "not_modified", "precondition_failed"]).toContain(evaluateConditionals(headers, V));
        expect(typeof ifRangeAllowsPartial(headers, V)).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });
});

describe("ifRangeAllowsPartial", () => {
  it("allows the range without If-Range", () => {
    expect(partial({})).toBe(true);
  });

  it("allows the range when the ETag matches exactly", () => {
    expect(partial({ "If-Range": ETAG })).toBe(true);
    expect(partial({ "If-Range": ` ${ETAG} ` })).toBe(true);
  });

  it("refuses the range for another ETag", () => {
    expect(partial({ "If-Range": OTHER })).toBe(false);
  });

  it("refuses the range for a weak ETag, even the same one (If-Range needs a strong validator)", () => {
    expect(partial({ "If-Range": `W/${ETAG}` })).toBe(false);
  });

  it("allows the range when the date equals Last-Modified to the second", () => {
    expect(partial({ "If-Range": LAST_MODIFIED })).toBe(true);
  });

  it("refuses the range when the date is earlier or later than Last-Modified", () => {
    expect(partial({ "If-Range": EARLIER })).toBe(false);
    expect(partial({ "If-Range": LATER })).toBe(false);
    expect(partial({ "If-Range": httpDate(MODIFIED_MS + 1000) })).toBe(false);
  });

  it("accepts the asctime form of the Last-Modified date", () => {
    expect(partial({ "If-Range": "Fri Mar  1 12:00:00 2024" })).toBe(true);
  });

  it("refuses the range for an unparseable value", () => {
    expect(partial({ "If-Range": "garbage" })).toBe(false);
    expect(partial({ "If-Range": "2024-03-01T12:00:00Z" })).toBe(false);
    expect(partial({ "If-Range": "" })).toBe(false);
    expect(partial({ "If-Range": "*" })).toBe(false);
  });

  it("refuses the range for a list of tags", () => {
    expect(partial({ "If-Range": `${ETAG}, ${OTHER}` })).toBe(false);
  });
});
