import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asciiFallback,
  contentDisposition,
  encodeRfc5987,
  readsOnlyPlainFilename,
  sanitizeFileName,
} from "../../src/files/contentDisposition.ts";
import { presentedFileName, presentedName } from "../../src/files/fileHeaders.ts";
import type { FileMetadata } from "../../src/files/fileMetadata.ts";

/** RFC 8187 value-chars: attr-char or a %XX escape. */
const VALUE_CHARS = /^(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})*$/;

/** What a client that understands RFC 8187 reads back from the filename* parameter. */
function decodeExtValue(header: string): string {
  const match = /; filename\*=UTF-8''([^;\s]*)$/.exec(header);
  if (!match) throw new Error(`no filename* in ${header}`);
  return decodeURIComponent(match[1] ?? "");
}

describe("contentDisposition: plain ASCII names", () => {
  it("sends both parameters with the same name", () => {
    expect(contentDisposition("report.pdf")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });

  it("escapes spaces in filename* and keeps them in the quoted fallback", () => {
    expect(contentDisposition("annual report 2024.pdf")).toBe(
      `attachment; filename="annual report 2024.pdf"; filename*=UTF-8''annual%20report%202024.pdf`,
    );
  });
});

describe("contentDisposition: RFC 5987 encoding", () => {
  it("encodes non-ASCII letters as UTF-8 and drops their accents in the fallback", () => {
    expect(contentDisposition("Résumé 2024.pdf")).toBe(
      `attachment; filename="Resume 2024.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%202024.pdf`,
    );
  });

  it("encodes quotes and replaces them in the fallback so the quoted-string stays closed", () => {
    expect(contentDisposition('say "hi".txt')).toBe(
      `attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt`,
    );
  });

  it("encodes % so a decoder does not read it as an escape, and replaces it in the fallback", () => {
    expect(contentDisposition("100% off.zip")).toBe(
      `attachment; filename="100_ off.zip"; filename*=UTF-8''100%25%20off.zip`,
    );
    expect(contentDisposition("a%20b.txt")).toBe(`attachment; filename="a_20b.txt"; filename*=UTF-8''a%2520b.txt`);
  });

  it("encodes an emoji as its four UTF-8 bytes and replaces it with one _ in the fallback", () => {
    expect(contentDisposition("🎵 song.mp3")).toBe(
      `attachment; filename="_ song.mp3"; filename*=UTF-8''%F0%9F%8E%B5%20song.mp3`,
    );
  });

  it("encodes ' ( ) * which encodeURIComponent leaves alone but RFC 8187 does not allow", () => {
    expect(encodeRfc5987("it's (final)*.zip")).toBe("it%27s%20%28final%29%2A.zip");
    expect(contentDisposition("it's (final)*.zip")).toBe(
      `attachment; filename="it's (final)*.zip"; filename*=UTF-8''it%27s%20%28final%29%2A.zip`,
    );
  });

  it("encodes CJK names and falls back to underscores", () => {
    expect(contentDisposition("报告.pdf")).toBe(
      `attachment; filename="__.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`,
    );
  });

  it("encodes ; , = and other separators so the header cannot gain parameters", () => {
    expect(encodeRfc5987("a;b,c=d.txt")).toBe("a%3Bb%2Cc%3Dd.txt");
    expect(contentDisposition('x"; filename="evil.exe')).toBe(
      `attachment; filename="x_; filename=_evil.exe"; filename*=UTF-8''x%22%3B%20filename%3D%22evil.exe`,
    );
  });

  it("produces only RFC 8187 value-chars and decodes back to the sanitized name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (name) => {
        const header = contentDisposition(name);
        const encoded = encodeRfc5987(sanitizeFileName(name));
        expect(encoded).toMatch(VALUE_CHARS);
        expect(decodeExtValue(header)).toBe(sanitizeFileName(name));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("contentDisposition: header safety", () => {
  it("is always a valid printable-ASCII header value for clients other than curl", () => {
    const userAgent = fc.constantFrom(null, "Mozilla/5.0", "Wget/1.21.4");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), userAgent, (name, ua) => {
        const value = contentDisposition(name, ua);
        expect(value).toMatch(/^[\x20-\x7e]+$/);
        const headers = new Headers();
        headers.set("Content-Disposition", value);
        expect(headers.get("Content-Disposition")).toBe(value);
        expect(value).toMatch(/^attachment; filename="[^"\\]*"; filename\*=UTF-8''[^\s;"]*$/);
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps the quoted filename closed and free of line breaks for curl, whatever the name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (name) => {
        const value = contentDisposition(name, "curl/8.5.0");
        expect(value).toMatch(/^attachment; filename="[^"\\\r\n\0]*"; filename\*=UTF-8''[^\s;"]*$/);
      }),
      { numRuns: 1000 },
    );
  });

  it("does not throw on a lone surrogate (possible in a JSON fn claim)", () => {
    expect(contentDisposition("a\uD800b.pdf")).toBe(`attachment; filename="ab.pdf"; filename*=UTF-8''ab.pdf`);
    expect(contentDisposition("\uDC00")).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
  });

  it("keeps a long name within 255 bytes of UTF-8, its extension kept and no emoji split", () => {
    const name = `${"x".repeat(254)}🎵.mp3`;
    expect(decodeExtValue(contentDisposition(name))).toBe(`${"x".repeat(251)}.mp3`);
    // 😀 is four bytes: 62 of them and ".pdf" are 252 bytes, a 63rd would be 256.
    expect(sanitizeFileName(`${"😀".repeat(130)}.pdf`)).toBe(`${"😀".repeat(62)}.pdf`);
  });

  it("fits a long CJK title (three bytes a character) with its extension, for curl -OJ and aria2c", () => {
    const name = `${"日本語の長い書名".repeat(11)}.epub`;
    const fitted = sanitizeFileName(name);
    expect(fitted).toBe(`${"日本語の長い書名".repeat(11).slice(0, 83)}.epub`);
    expect(new TextEncoder().encode(fitted).byteLength).toBeLessThanOrEqual(255);
    // curl reads the plain filename as raw UTF-8: the same fitted name.
    expect(contentDisposition(name, "curl/8.5.0")).toContain(`filename="${fitted}"`);
    expect(sanitizeFileName(fitted)).toBe(fitted);
  });

  it("cuts a long name without a usable extension at its end, and never leaves only the extension", () => {
    expect(sanitizeFileName("🎵".repeat(200))).toBe("🎵".repeat(63));
    expect(sanitizeFileName(`${"a".repeat(300)}.not an extension`)).toBe("a".repeat(255));
    expect(sanitizeFileName(`${"a".repeat(300)}.tar.gz`)).toBe(`${"a".repeat(252)}.gz`);
  });
});

describe("sanitizeFileName", () => {
  it("keeps an ordinary name unchanged", () => {
    expect(sanitizeFileName("Book (2nd ed.).epub")).toBe("Book (2nd ed.).epub");
  });

  it("turns path separators into underscores so no directory can be named", () => {
    expect(sanitizeFileName("../../etc/passwd")).toBe("_.._etc_passwd");
    expect(sanitizeFileName("C:\\Users\\me\\file.pdf")).toBe("C:_Users_me_file.pdf");
    expect(sanitizeFileName("/abs/path.txt")).toBe("_abs_path.txt");
  });

  it("removes control characters, including CR and LF", () => {
    expect(sanitizeFileName("a\u0000b\r\nc\u007f\u009fd.txt")).toBe("abcd.txt");
    expect(sanitizeFileName("tab\there.txt")).toBe("tabhere.txt");
  });

  it("removes leading dots and spaces so the file is not hidden", () => {
    expect(sanitizeFileName(".bashrc")).toBe("bashrc");
    expect(sanitizeFileName(" .. hidden.txt")).toBe("hidden.txt");
  });

  it("removes trailing dots and spaces", () => {
    expect(sanitizeFileName("file.pdf. . ")).toBe("file.pdf");
  });

  it("answers 'download' when nothing is left", () => {
    expect(sanitizeFileName("")).toBe("download");
    expect(sanitizeFileName("...")).toBe("download");
    expect(sanitizeFileName("   ")).toBe("download");
    expect(sanitizeFileName("\u0001\u0002")).toBe("download");
  });

  it("composes decomposed accents (NFC) so the same name always encodes the same way", () => {
    expect(sanitizeFileName("Re\u0301sume\u0301.pdf")).toBe("Résumé.pdf");
    expect(encodeRfc5987(sanitizeFileName("Re\u0301sume\u0301.pdf"))).toBe("R%C3%A9sum%C3%A9.pdf");
  });

  it("cuts names to 255 characters", () => {
    expect(sanitizeFileName("a".repeat(300))).toBe("a".repeat(255));
  });
});

describe("sanitizeFileName: bidi and other invisible controls", () => {
  const BIDI = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
  ];

  it("strips U+202E so an executable cannot pose as a picture", () => {
    // Displayed by a bidi-aware UI as "invoiceexe.png"; saved, it is an .exe.
    expect(sanitizeFileName("invoice\u202egnp.exe")).toBe("invoicegnp.exe");
    expect(contentDisposition("invoice\u202egnp.exe")).toBe(
      `attachment; filename="invoicegnp.exe"; filename*=UTF-8''invoicegnp.exe`,
    );
    expect(contentDisposition("invoice\u202egnp.exe", "curl/8.5.0")).toBe(
      `attachment; filename="invoicegnp.exe"; filename*=UTF-8''invoicegnp.exe`,
    );
  });

  it.each(BIDI.map((c) => [`U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`, c]))(
    "strips %s wherever it stands",
    (_name, c) => {
      expect(sanitizeFileName(`${c}a${c}b${c}.pdf${c}`)).toBe("ab.pdf");
    },
  );

  it("strips the line and paragraph separators U+2028 and U+2029", () => {
    expect(sanitizeFileName("a\u2028b\u2029c.txt")).toBe("abc.txt");
  });

  it("strips every C0 control, DEL and every C1 control", () => {
    const controls = [
      ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
      "\u007f",
      ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
    ];
    expect(sanitizeFileName(`a${controls.join("")}b.txt`)).toBe("ab.txt");
  });

  it("keeps right-to-left text itself and the joiners that emoji need", () => {
    expect(sanitizeFileName("كتاب.pdf")).toBe("كتاب.pdf");
    expect(sanitizeFileName("ספר.epub")).toBe("ספר.epub");
    expect(sanitizeFileName("👩\u200d💻.png")).toBe("👩\u200d💻.png");
  });

  it("composes an accent that a stripped mark separated from its letter", () => {
    expect(sanitizeFileName("Re\u200e\u0301sume.pdf")).toBe("Résume.pdf");
  });

  it("does not leave a trailing dot or space where the 255-byte cut lands", () => {
    expect(sanitizeFileName(`${"a".repeat(250)} ${"b".repeat(10)}.pdf`)).toBe(`${"a".repeat(250)}.pdf`);
    expect(sanitizeFileName(`${"a".repeat(254)} ${"b".repeat(10)}`)).toBe("a".repeat(254));
  });

  const nameChars = fc.oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constantFrom(...BIDI, "\u2028", "\u0301", ".", " ", "/", "\\", "\u0000", "\u0085", "e", "🎵", "\ud800"),
  );
  const names = fc.array(nameChars, { maxLength: 30 }).map((parts) => parts.join(""));

  it("is idempotent and leaves no control, bidi control or lone surrogate, whatever the input", () => {
    fc.assert(
      fc.property(names, (name) => {
        const once = sanitizeFileName(name);
        expect(sanitizeFileName(once)).toBe(once);
        expect(once).not.toMatch(
          // eslint-disable-next-line no-control-regex -- the property is about control characters
          /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069/\\]/,
        );
        expect(once).not.toMatch(/^[\s.]|[\s.]$/);
        expect(once).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        expect(once.length).toBeGreaterThan(0);
        expect(once.length).toBeLessThanOrEqual(255);
      }),
      { numRuns: 2000, seed: 8 },
    );
  });
});

describe("presentedName and presentedFileName", () => {
  const file: FileMetadata = {
    key: "t/f1",
    size: 1,
    etag: "e",
    httpEtag: '"e"',
    uploaded: 0,
    contentType: null,
    fileName: "stored\u202egnp.exe",
  };

  it("cleans the token's fn, the stored name and the fallback id alike", () => {
    expect(presentedName(file, "claimed\u202efdp.exe", "f1")).toBe("claimedfdp.exe");
    expect(presentedName(file, undefined, "f1")).toBe("storedgnp.exe");
    expect(presentedName({ ...file, fileName: null }, undefined, "f1")).toBe("f1");
    expect(presentedFileName("a/b\r\n.pdf", "f1")).toBe("a_b.pdf");
    expect(presentedFileName(null, "f1")).toBe("f1");
    expect(presentedFileName(undefined, "f1")).toBe("f1");
  });
});

describe("asciiFallback", () => {
  it("keeps printable ASCII except the characters that break a quoted-string", () => {
    expect(asciiFallback("a-b_c (1) [x] {y} 'z'.txt")).toBe("a-b_c (1) [x] {y} 'z'.txt");
    expect(asciiFallback('a"b\\c%d')).toBe("a_b_c_d");
  });

  it("drops accents and replaces other non-ASCII characters, one _ per character", () => {
    expect(asciiFallback("Ångström naïve façade")).toBe("Angstrom naive facade");
    expect(asciiFallback("Привет.txt")).toBe("______.txt");
    expect(asciiFallback("👍🏽.png")).toBe("__.png");
  });
});

describe("contentDisposition for curl", () => {
  it("recognises curl by its User-Agent, and nothing else", () => {
    expect(readsOnlyPlainFilename("curl/8.5.0")).toBe(true);
    expect(readsOnlyPlainFilename("CURL/7.68.0")).toBe(true);
    expect(readsOnlyPlainFilename(null)).toBe(false);
    expect(readsOnlyPlainFilename("")).toBe(false);
    expect(readsOnlyPlainFilename("Wget/1.21.4")).toBe(false);
    expect(readsOnlyPlainFilename("Mozilla/5.0 (compatible; curl/8)")).toBe(false);
    expect(readsOnlyPlainFilename("libcurl-agent/1.0")).toBe(false);
  });

  it("puts the real name into filename= for curl, which workerd sends as raw UTF-8", () => {
    // workerd writes header strings to the wire as UTF-8, so "é" leaves as C3 A9. Pre-encoding
    // the bytes as Latin-1 code units ("Ã©") would be double-encoded into C3 83 C2 A9.
    expect(contentDisposition("Résumé.pdf", "curl/8.5.0")).toBe(
      `attachment; filename="Résumé.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`,
    );
  });

  it("sends CJK and emoji names to curl unchanged, not double-encoded", () => {
    const name = "日本語 🎵 notes.pdf";
    const value = contentDisposition(name, "curl/8.5.0");
    const plain = /filename="([^"]*)"/.exec(value)?.[1];
    expect(plain).toBe(name);
    expect(value).not.toMatch(/[\u0080-\u00ff]/);
    expect(decodeExtValue(value)).toBe(name);
  });

  it("sanitizes the name for curl like for everyone else", () => {
    expect(contentDisposition("../secret\r\n.txt", "curl/8.5.0")).toBe(
      `attachment; filename="_secret.txt"; filename*=UTF-8''_secret.txt`,
    );
  });

  it("replaces quotes for curl but keeps %", () => {
    expect(contentDisposition('50% "deal".zip', "curl/8.5.0")).toBe(
      `attachment; filename="50% _deal_.zip"; filename*=UTF-8''50%25%20%22deal%22.zip`,
    );
  });

  it("sends the ASCII fallback to every other client", () => {
    expect(contentDisposition("Résumé.pdf", "Wget/1.21.4")).toBe(
      `attachment; filename="Resume.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`,
    );
    expect(contentDisposition("Résumé.pdf", "Mozilla/5.0")).toBe(
      `attachment; filename="Resume.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`,
    );
  });
});
