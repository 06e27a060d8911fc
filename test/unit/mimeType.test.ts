import { describe, expect, it } from "vitest";
import { DEFAULT_MIME_TYPE, mimeTypeFor } from "../../src/files/mimeType.ts";

describe("mimeTypeFor", () => {
  it.each([
    ["book.pdf", "application/pdf"],
    ["bundle.zip", "application/zip"],
    ["track.mp3", "audio/mpeg"],
    ["film.mp4", "video/mp4"],
    ["photo.jpg", "image/jpeg"],
    ["photo.jpeg", "image/jpeg"],
    ["icon.png", "image/png"],
    ["loop.gif", "image/gif"],
    ["letter.doc", "application/msword"],
    ["letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ["sheet.xls", "application/vnd.ms-excel"],
    ["sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ["novel.epub", "application/epub+zip"],
    ["novel.mobi", "application/x-mobipocket-ebook"],
  ])("maps %s to %s", (name, type) => {
    expect(mimeTypeFor(name)).toBe(type);
  });

  it("ignores the case of the extension", () => {
    expect(mimeTypeFor("BOOK.PDF")).toBe("application/pdf");
    expect(mimeTypeFor("Photo.JpG")).toBe("image/jpeg");
    expect(mimeTypeFor("Sheet.XLSX")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  });

  it("uses only the last extension", () => {
    expect(mimeTypeFor("archive.tar.gz")).toBe("application/gzip");
    expect(mimeTypeFor("book.pdf.zip")).toBe("application/zip");
    expect(mimeTypeFor("my.photos.v2.png")).toBe("image/png");
  });

  it("answers application/octet-stream for an unknown extension", () => {
    expect(DEFAULT_MIME_TYPE).toBe("application/octet-stream");
    expect(mimeTypeFor("data.xyz")).toBe("application/octet-stream");
    expect(mimeTypeFor("book.pdf.part")).toBe("application/octet-stream");
  });

  it("answers application/octet-stream without an extension", () => {
    expect(mimeTypeFor("README")).toBe("application/octet-stream");
    expect(mimeTypeFor("file.")).toBe("application/octet-stream");
    expect(mimeTypeFor("")).toBe("application/octet-stream");
  });

  it("does not resolve object prototype names as extensions", () => {
    expect(mimeTypeFor("x.constructor")).toBe("application/octet-stream");
    expect(mimeTypeFor("x.__proto__")).toBe("application/octet-stream");
    expect(mimeTypeFor("x.toString")).toBe("application/octet-stream");
  });

  it("reads a dotfile's name as its extension", () => {
    expect(mimeTypeFor(".pdf")).toBe("application/pdf");
  });
});
