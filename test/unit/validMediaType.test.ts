import { describe, expect, it } from "vitest";
import { validMediaType } from "../../src/files/mimeType.ts";

describe("validMediaType", () => {
  it.each([
    "application/pdf",
    "text/plain; charset=utf-8",
    'text/plain;charset="utf-8"',
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "audio/mpeg",
    'multipart/mixed; boundary="a b;c"',
  ])("keeps the valid media type %s", (type) => {
    expect(validMediaType(type)).toBe(type);
  });

  it("trims surrounding whitespace", () => {
    expect(validMediaType("  application/pdf \t")).toBe("application/pdf");
  });

  it.each([
    ["CR LF header injection", "text/html\r\nSet-Cookie: x=1"],
    ["a bare LF", "application/pdf\nX: 1"],
    ["a bare CR", "application/pdf\r"],
    ["NUL", "application/pdf\u0000"],
    ["another control", "application/\u0007pdf"],
    ["no subtype", "application"],
    ["an empty subtype", "application/"],
    ["spaces inside the type", "application /pdf"],
    ["non-ASCII", "application/pdfé"],
    ["a parameter without value", "text/plain; charset"],
    ["an unterminated quoted string", 'text/plain; charset="utf-8'],
    ["the empty string", ""],
    ["over 255 characters", `application/${"x".repeat(250)}`],
  ])("refuses %s", (_label, type) => {
    expect(validMediaType(type)).toBeNull();
  });

  it("answers null for no type at all", () => {
    expect(validMediaType(null)).toBeNull();
    expect(validMediaType(undefined)).toBeNull();
  });
});
