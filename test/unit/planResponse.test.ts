import { describe, expect, it } from "vitest";
import type { FileMetadata } from "../../src/files/fileMetadata.ts";
import { planResponse } from "../../src/files/planResponse.ts";

const UPLOADED = Date.UTC(2024, 0, 15, 8, 30, 0) + 123;
const ETAG = '"9a0364b9e99bb480dd25e1f0284c8555"';

function file(size = 1000): FileMetadata {
  return {
    key: "shop/file-1",
    size,
    etag: ETAG.slice(1, -1),
    httpEtag: ETAG,
    uploaded: UPLOADED,
    contentType: "application/pdf",
    fileName: "book.pdf",
  };
}

const plan = (headers: Record<string, string>, size?: number) => planResponse(new Headers(headers), file(size));
const LAST_MODIFIED = new Date(UPLOADED).toUTCString();
const EARLIER = new Date(UPLOADED - 3_600_000).toUTCString();

describe("planResponse", () => {
  it("answers 200 with the whole file when nothing is asked", () => {
    expect(plan({})).toStrictEqual({ status: 200, start: 0, length: 1000 });
  });

  it("answers 200 with length 0 for an empty file", () => {
    expect(plan({}, 0)).toStrictEqual({ status: 200, start: 0, length: 0 });
  });

  it("answers 206 with the range's start and length", () => {
    expect(plan({ Range: "bytes=100-199" })).toStrictEqual({ status: 206, start: 100, length: 100 });
    expect(plan({ Range: "bytes=0-0" })).toStrictEqual({ status: 206, start: 0, length: 1 });
    expect(plan({ Range: "bytes=-10" })).toStrictEqual({ status: 206, start: 990, length: 10 });
    expect(plan({ Range: "bytes=900-" })).toStrictEqual({ status: 206, start: 900, length: 100 });
  });

  it("answers 206 for the whole file when asked with bytes=0-", () => {
    expect(plan({ Range: "bytes=0-" })).toStrictEqual({ status: 206, start: 0, length: 1000 });
  });

  it("answers 416 when the range starts past the end", () => {
    expect(plan({ Range: "bytes=1000-" })).toStrictEqual({ status: 416 });
    expect(plan({ Range: "bytes=-0" })).toStrictEqual({ status: 416 });
  });

  it("answers 416 for any range on an empty file", () => {
    expect(plan({ Range: "bytes=0-" }, 0)).toStrictEqual({ status: 416 });
  });

  it("answers 200 with the whole file for a multi-range or malformed Range", () => {
    expect(plan({ Range: "bytes=0-1,5-6" })).toStrictEqual({ status: 200, start: 0, length: 1000 });
    expect(plan({ Range: "lines=1-2" })).toStrictEqual({ status: 200, start: 0, length: 1000 });
    expect(plan({ Range: "bytes=9-3" })).toStrictEqual({ status: 200, start: 0, length: 1000 });
  });

  it("answers 304 when If-None-Match matches, even with a Range", () => {
    expect(plan({ "If-None-Match": ETAG })).toStrictEqual({ status: 304 });
    expect(plan({ "If-None-Match": ETAG, Range: "bytes=0-10" })).toStrictEqual({ status: 304 });
  });

  it("answers 304 when If-Modified-Since is not older than Last-Modified", () => {
    expect(plan({ "If-Modified-Since": LAST_MODIFIED })).toStrictEqual({ status: 304 });
  });

  it("answers 200 when If-Modified-Since is older than Last-Modified", () => {
    expect(plan({ "If-Modified-Since": EARLIER })).toStrictEqual({ status: 200, start: 0, length: 1000 });
  });

  it("answers 412 when If-Match fails, even with a Range", () => {
    expect(plan({ "If-Match": '"other"' })).toStrictEqual({ status: 412 });
    expect(plan({ "If-Match": '"other"', Range: "bytes=0-10" })).toStrictEqual({ status: 412 });
  });

  it("answers 412 when If-Unmodified-Since is older than Last-Modified", () => {
    expect(plan({ "If-Unmodified-Since": EARLIER })).toStrictEqual({ status: 412 });
  });

  it("answers 412 rather than 416 when a precondition fails on an unsatisfiable range", () => {
    expect(plan({ "If-Match": '"other"', Range: "bytes=5000-" })).toStrictEqual({ status: 412 });
  });

  it("answers 304 rather than 416 when If-None-Match matches on an unsatisfiable range", () => {
    expect(plan({ "If-None-Match": ETAG, Range: "bytes=5000-" })).toStrictEqual({ status: 304 });
  });

  it("answers 206 when If-Match passes and a Range is asked", () => {
    expect(plan({ "If-Match": ETAG, Range: "bytes=10-19" })).toStrictEqual({ status: 206, start: 10, length: 10 });
  });

  it("answers 206 when If-Range holds the current ETag", () => {
    expect(plan({ "If-Range": ETAG, Range: "bytes=500-" })).toStrictEqual({ status: 206, start: 500, length: 500 });
  });

  it("answers 206 when If-Range holds the Last-Modified date", () => {
    expect(plan({ "If-Range": LAST_MODIFIED, Range: "bytes=500-" })).toStrictEqual({
      status: 206,
      start: 500,
      length: 500,
    });
  });

  it("answers 200 with the whole file when If-Range is stale (the file changed)", () => {
    expect(plan({ "If-Range": '"old"', Range: "bytes=500-" })).toStrictEqual({ status: 200, start: 0, length: 1000 });
    expect(plan({ "If-Range": EARLIER, Range: "bytes=500-" })).toStrictEqual({ status: 200, start: 0, length: 1000 });
  });

  it("answers 200 rather than 416 when a stale If-Range accompanies an unsatisfiable range", () => {
    expect(plan({ "If-Range": '"old"', Range: "bytes=5000-" })).toStrictEqual({ status: 200, start: 0, length: 1000 });
  });

  it("answers 200 for If-Range without a Range", () => {
    expect(plan({ "If-Range": ETAG })).toStrictEqual({ status: 200, start: 0, length: 1000 });
  });
});
