/**
 * Campaign, tokens: an outsider with a token editor. Mutated strings, header games (alg,
 * kid, embedded keys), claim games (types, bounds, extra claims) and other tenants' keys.
 * Only the exactly signed token opens a link; everything else is a clean 4xx.
 */
import { base64url } from "jose";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_COUNT, MAX_NUMERIC_DATE } from "../../src/token/claims.ts";
import {
  createTenant,
  gateway,
  nowSeconds,
  putFile,
  uid,
  type StoredFile,
  type TestTenant,
} from "../helpers/fixtures.ts";
import { answer, check } from "./campaign.ts";

const encoder = new TextEncoder();
const CLIENT_IP = "203.0.113.10";

let shop: TestTenant;
let other: TestTenant;
let file: StoredFile;
let edKeys: CryptoKeyPair;
let strangerEdKeys: CryptoKeyPair;
let rsaKeys: CryptoKeyPair;
let edPublicBytes: Uint8Array;
let edPublicJwk: JsonWebKey;

async function keyPair(algorithm: Parameters<typeof crypto.subtle.generateKey>[0]): Promise<CryptoKeyPair> {
  const pair = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  if (!("privateKey" in pair)) throw new Error("expected a key pair");
  return pair;
}

beforeAll(async () => {
  edKeys = await keyPair({ name: "Ed25519" });
  strangerEdKeys = await keyPair({ name: "Ed25519" });
  rsaKeys = await keyPair({
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  });
  const jwk = await crypto.subtle.exportKey("jwk", edKeys.publicKey);
  if (jwk instanceof ArrayBuffer) throw new Error("expected a JWK");
  edPublicJwk = jwk;
  edPublicBytes = base64url.decode(jwk.x ?? "");
  shop = await createTenant({ edKeys: { ed: jwk } });
  // The other tenant's key is also named "k1": a kid is only meaningful within its tenant.
  other = await createTenant();
  file = await putFile(shop, { size: 96, filename: "book.pdf" });
});

/** How a token's signing input is signed (or not). */
type Signer =
  | "hs256-shop"
  | "hs256-other"
  | "hs512-shop"
  | "hs256-ed-public-bytes"
  | "hs256-ed-public-jwk"
  | "ed-shop"
  | "ed-stranger"
  | "rs256"
  | "empty"
  | "garbage";

async function hmac(hash: "SHA-256" | "SHA-512", secret: Uint8Array, input: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
}

async function signature(signer: Signer, input: string): Promise<string> {
  const data = encoder.encode(input);
  switch (signer) {
    case "hs256-shop":
      return base64url.encode(await hmac("SHA-256", encoder.encode(shop.key.secret), input));
    case "hs256-other":
      return base64url.encode(await hmac("SHA-256", encoder.encode(other.key.secret), input));
    case "hs512-shop":
      return base64url.encode(await hmac("SHA-512", encoder.encode(shop.key.secret), input));
    case "hs256-ed-public-bytes":
      return base64url.encode(await hmac("SHA-256", edPublicBytes, input));
    case "hs256-ed-public-jwk":
      return base64url.encode(await hmac("SHA-256", encoder.encode(JSON.stringify(edPublicJwk)), input));
    case "ed-shop":
      return base64url.encode(new Uint8Array(await crypto.subtle.sign("Ed25519", edKeys.privateKey, data)));
    case "ed-stranger":
      return base64url.encode(new Uint8Array(await crypto.subtle.sign("Ed25519", strangerEdKeys.privateKey, data)));
    case "rs256":
      return base64url.encode(new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", rsaKeys.privateKey, data)));
    case "empty":
      return "";
    case "garbage":
      return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  }
}

/** A compact JWS of any header and payload, signed by hand (no library would make most of these). */
async function compact(header: unknown, payload: unknown, signer: Signer): Promise<string> {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  return `${input}.${await signature(signer, input)}`;
}

function validClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: shop.id, lid: uid("l"), fid: file.id, ...extra };
}

async function expectOpens(property: string, token: string): Promise<void> {
  const download = await answer(property, await gateway(shop, `/downloads/${token}`));
  expect(download.status).toBe(200);
  expect(download.body).toEqual(file.bytes);
}

async function expectInvalid(property: string, token: string, host: TestTenant = shop, path = ""): Promise<void> {
  for (const route of [`${path}/downloads/${token}`, `${path}/downloads/${token}/info`]) {
    const refused = await answer(property, await gateway(host, route));
    expect({ route, status: refused.status, error: refused.error?.error }).toEqual({
      route,
      status: 403,
      error: "invalid_token",
    });
  }
}

describe("campaign: mutated token strings", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const strayChars = fc.constantFrom(..."=+.~!*'()$,;:@%é ", "%41", "%2E", "%00", "\u202e");
  const mutation = fc.oneof(
    // One character replaced by another base64url character (a bit flip in the encoding).
    fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), by: fc.constantFrom(...alphabet) }),
    // One bit flipped in a decoded segment, re-encoded canonically.
    fc.record({ kind: fc.constant("bit" as const), segment: fc.nat(2), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      text: fc.oneof(strayChars, fc.constantFrom(...alphabet)),
    }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant("case" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("segments" as const),
      order: fc.constantFrom("021", "102", "120", "201", "210", "0012", "01"),
    }),
  );

  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(token: string, m: Mutation): string {
    const at = (n: number) => n % Math.max(1, token.length);
    switch (m.kind) {
      case "replace":
        return token.slice(0, at(m.at)) + m.by + token.slice(at(m.at) + 1);
      case "bit": {
        const parts = token.split(".");
        let bytes: Uint8Array;
        try {
          bytes = base64url.decode(parts[m.segment] ?? "");
        } catch {
          return token; // an earlier mutation already broke this segment's encoding
        }
        if (bytes.length === 0) return token;
        const i = m.at % bytes.length;
        bytes[i] = (bytes[i] ?? 0) ^ (1 << m.bit);
        parts[m.segment] = base64url.encode(bytes);
        return parts.join(".");
      }
      case "insert":
        return token.slice(0, at(m.at)) + m.text + token.slice(at(m.at));
      case "delete":
        return token.slice(0, at(m.at)) + token.slice(at(m.at) + m.length);
      case "case": {
        const c = token.charAt(at(m.at));
        const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
        return token.slice(0, at(m.at)) + flipped + token.slice(at(m.at) + 1);
      }
      case "segments": {
        const parts = token.split(".");
        return [...m.order].map((i) => parts[Number(i)] ?? "").join(".");
      }
    }
  }

  it("no mutation of a signed token opens the link or counts; the token itself always does", async () => {
    const hsToken = await compact({ alg: "HS256", kid: "k1" }, validClaims(), "hs256-shop");
    const edToken = await compact({ alg: "EdDSA", kid: "ed" }, validClaims(), "ed-shop");
    let opened = 0;
    await check(
      "tokens: mutated strings",
      fc.tuple(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 3 })),
      async ([useEd, mutations]) => {
        const genuine = useEd ? edToken : hsToken;
        const mutated = mutations.reduce(mutate, genuine);
        // Raw, as an attacker types it: only what would end the path (?, #, spaces) or is not ASCII is escaped.
        const path = `/downloads/${mutated.replace(/[?#\s]|[^\x20-\x7e]/gu, (c) => encodeURIComponent(c))}`;
        for (const route of [path, `${path}/info`]) {
          const result = await answer("tokens: mutated strings", await gateway(shop, route));
          if (mutated === genuine) {
            expect(result.status).toBe(200);
            if (!route.endsWith("/info")) opened += 1;
          } else {
            expect({ mutated, status: result.status }).not.toEqual({ mutated, status: 200 });
            expect(result.status).toBeGreaterThanOrEqual(400);
          }
        }
      },
      80,
    );
    // Both genuine links counted exactly the genuine GETs: no mutation took a download.
    let counted = 0;
    for (const token of [hsToken, edToken]) {
      const state: { download_count: number } = await (await gateway(shop, `/downloads/${token}/info`)).json();
      counted += state.download_count;
    }
    expect(counted).toBe(opened);
    await expectOpens("tokens: mutated strings", hsToken);
    await expectOpens("tokens: mutated strings", edToken);
  });
});

describe("campaign: header games (alg, kid, embedded keys)", () => {
  const alg = fc.constantFrom<unknown>(
    "HS256",
    "EdDSA",
    "none",
    "None",
    "HS384",
    "HS512",
    "RS256",
    "ES256",
    "PS256",
    "Ed25519",
    "hs256",
    "",
    null,
    1,
    ["HS256"],
    undefined,
  );
  const kid = fc.constantFrom<unknown>(
    "k1",
    "ed",
    "unknown",
    "K1",
    "k1 ",
    "../k1",
    "k1\u0000",
    "__proto__",
    "constructor",
    "",
    7,
    null,
    ["k1"],
    { kid: "k1" },
    undefined,
  );
  const extras = fc.constantFrom<Record<string, unknown>>(
    {},
    { typ: "JWT" },
    { typ: "at+jwt", cty: "JWT" },
    { jwk: { kty: "oct", k: "c2VjcmV0" } },
    { jku: "https://attacker.example/jwks.json", x5u: "https://attacker.example/cert.pem" },
    { crit: ["exp"], exp: 1 },
    { crit: [] },
    { crit: ["b64"], b64: false },
    { b64: true },
  );
  const signer = fc.constantFrom<Signer>(
    "hs256-shop",
    "hs256-other",
    "hs512-shop",
    "hs256-ed-public-bytes",
    "hs256-ed-public-jwk",
    "ed-shop",
    "ed-stranger",
    "rs256",
    "empty",
    "garbage",
  );

  it("only HS256/k1 signed with the shop's secret or EdDSA/ed signed with its key opens a link", async () => {
    await check(
      "tokens: header games",
      fc.record({
        alg: fc.oneof(fc.constantFrom("HS256", "EdDSA"), alg),
        kid: fc.oneof(fc.constantFrom("k1", "ed"), kid),
        extras: fc.oneof(fc.constant({}), extras),
        signer: fc.oneof(fc.constantFrom<Signer>("hs256-shop", "ed-shop"), signer),
      }),
      async (game) => {
        const header: Record<string, unknown> = { ...game.extras };
        if (game.alg !== undefined) header.alg = game.alg;
        if (game.kid !== undefined) header.kid = game.kid;
        const token = await compact(header, validClaims(), game.signer);
        const genuine =
          !("crit" in game.extras) &&
          ((game.alg === "HS256" && game.kid === "k1" && game.signer === "hs256-shop") ||
            (game.alg === "EdDSA" && game.kid === "ed" && game.signer === "ed-shop"));
        if (genuine) await expectOpens("tokens: header games", token);
        else await expectInvalid("tokens: header games", token);
      },
      80,
    );
  });
});

/** A claim's candidate values, each with what the contract makes of it. */
type Verdict = "ok" | "bad" | "expired" | "not_yet_valid" | "ip_not_allowed" | "auth" | "no_customer" | "unknown_file";
type Candidate = [value: unknown, verdict: Verdict];
const ABSENT = Symbol("absent");
const FRESH = Symbol("fresh link id");
const STORED = Symbol("stored file id");
const SHOP = Symbol("the shop's id");
const OTHER = Symbol("the other tenant's id");

function claimCandidates(now: number): Record<string, Candidate[]> {
  return {
    iss: [
      [SHOP, "ok"],
      [SHOP, "ok"],
      [OTHER, "bad"],
      ["SHOP", "bad"],
      [ABSENT, "bad"],
      [1, "bad"],
      [[SHOP], "bad"],
    ],
    lid: [
      [FRESH, "ok"],
      [FRESH, "ok"],
      ["", "bad"],
      ["a/b", "bad"],
      ["x".repeat(65), "bad"],
      [12, "bad"],
      [ABSENT, "bad"],
    ],
    fid: [
      [STORED, "ok"],
      [STORED, "ok"],
      ["no-such-file", "unknown_file"],
      ["../x", "bad"],
      ["f.pdf", "bad"],
      [ABSENT, "bad"],
    ],
    exp: [
      [ABSENT, "ok"],
      [now + 3600, "ok"],
      [now + 3600.5, "ok"],
      [MAX_NUMERIC_DATE, "ok"],
      [now - 3600, "expired"],
      [0, "expired"],
      ["2000000000", "bad"],
      [-1, "bad"],
      [1e308, "bad"],
      [8_640_000_000_001, "bad"],
      [MAX_NUMERIC_DATE + 1, "bad"],
      [null, "bad"],
      [[], "bad"],
      [{}, "bad"],
      [true, "bad"],
    ],
    nbf: [
      [ABSENT, "ok"],
      [now - 10, "ok"],
      [0, "ok"],
      [now + 3600, "not_yet_valid"],
      [MAX_NUMERIC_DATE, "not_yet_valid"],
      ["1", "bad"],
      [-5, "bad"],
      [1e308, "bad"],
      [null, "bad"],
    ],
    lim: [
      [ABSENT, "ok"],
      [1, "ok"],
      [3, "ok"],
      [MAX_COUNT, "ok"],
      [0, "bad"],
      [-1, "bad"],
      [1.5, "bad"],
      ["3", "bad"],
      [2 ** 31, "bad"],
      [2 ** 53, "bad"],
      [1e300, "bad"],
      [null, "bad"],
      [true, "bad"],
    ],
    dev: [
      [ABSENT, "ok"],
      [1, "ok"],
      [MAX_COUNT, "ok"],
      [0, "bad"],
      [2.5, "bad"],
      ["2", "bad"],
      [1e300, "bad"],
      [-3, "bad"],
    ],
    ips: [
      [ABSENT, "ok"],
      [[CLIENT_IP], "ok"],
      [["203.0.113.0/24", "2001:db8::/32"], "ok"],
      [["198.51.100.1"], "ip_not_allowed"],
      [["2001:db8::/32"], "ip_not_allowed"],
      [[], "bad"],
      [CLIENT_IP, "bad"],
      [["010.0.0.1"], "bad"],
      [["10.1"], "bad"],
      [["256.1.1.1"], "bad"],
      [[3405803786], "bad"],
      [Array.from({ length: 65 }, (_, i) => `10.0.0.${i}`), "bad"],
    ],
    sub: [
      [ABSENT, "ok"],
      ["customer-1", "ok"],
      ["", "bad"],
      [42, "bad"],
      ["s".repeat(257), "bad"],
    ],
    auth: [
      [ABSENT, "ok"],
      [false, "ok"],
      [true, "auth"],
      ["true", "bad"],
      [1, "bad"],
    ],
    fn: [
      [ABSENT, "ok"],
      ["book.pdf", "ok"],
      ["inv\u202egnp.exe", "ok"],
      ["", "bad"],
      ["n".repeat(256), "bad"],
      [["a"], "bad"],
    ],
    ord: [
      [ABSENT, "ok"],
      ["1001", "ok"],
      ["", "bad"],
      [1001, "bad"],
      ["o".repeat(129), "bad"],
    ],
    cfm: [
      [ABSENT, "ok"],
      [false, "ok"],
      ["yes", "bad"],
    ],
  };
}

const EXTRA_CLAIMS: Record<string, unknown>[] = [
  {},
  { iat: 1_700_000_000, jti: "x", aud: "anyone" },
  { admin: true, count: -1, limit: 0 },
  { lim2: 1, LIM: 1, Exp: "never" },
  { nested: { deep: [[[{ a: 1 }]]] } },
];

describe("campaign: claim games", () => {
  it("a validly signed token opens exactly when its claims are the contract's, with the refusal it names", async () => {
    const now = nowSeconds();
    const candidates = claimCandidates(now);
    const names = Object.keys(candidates);
    const game = fc.record({
      // Mostly values the contract accepts (or refuses for a named reason), sometimes any: a
      // token with one bad claim among twelve good ones is the interesting case.
      picks: fc.tuple(
        ...names.map((name) => {
          const all = candidates[name] ?? [];
          const usable = all.flatMap(([, verdict], i) => (verdict === "bad" ? [] : [i]));
          return fc.oneof(
            { weight: 12, arbitrary: fc.constantFrom(...usable) },
            { weight: 1, arbitrary: fc.nat(all.length - 1) },
          );
        }),
      ),
      extra: fc.nat(EXTRA_CLAIMS.length - 1),
      proto: fc.boolean(),
    });
    await check(
      "tokens: claim games",
      game,
      async ({ picks, extra, proto }) => {
        const verdicts = new Set<Verdict>();
        const claims: Record<string, unknown> = { ...EXTRA_CLAIMS[extra] };
        names.forEach((name, i) => {
          const [value, verdict] = candidates[name]?.[picks[i] ?? 0] ?? [ABSENT, "ok"];
          verdicts.add(verdict);
          if (value === ABSENT) return;
          claims[name] =
            value === FRESH
              ? uid("l")
              : value === STORED
                ? file.id
                : value === SHOP
                  ? shop.id
                  : value === OTHER
                    ? other.id
                    : value;
        });
        // A login link that names no customer: no sign-in can open it, so none is asked for.
        if (verdicts.has("auth") && claims.sub === undefined) {
          verdicts.delete("auth");
          verdicts.add("no_customer");
        }
        let body = JSON.stringify(claims);
        // An own "__proto__" key, as JSON.parse makes it: it must neither crash nor set a claim.
        if (proto) body = body.replace(/^\{/, '{"__proto__":{"lim":1,"iss":"x"},');
        const input = `${base64url.encode(JSON.stringify({ alg: "HS256", kid: "k1" }))}.${base64url.encode(body)}`;
        const token = `${input}.${await signature("hs256-shop", input)}`;

        const download = await answer("tokens: claim games", await gateway(shop, `/downloads/${token}`));
        const info = await answer("tokens: claim games", await gateway(shop, `/downloads/${token}/info`));
        const expected = (order: Verdict[]): string => order.find((v) => verdicts.has(v)) ?? "ok";
        const downloadVerdict = expected([
          "bad",
          "auth",
          "no_customer",
          "not_yet_valid",
          "expired",
          "ip_not_allowed",
          "unknown_file",
        ]);
        const infoVerdict = expected(["bad", "auth", "no_customer", "ip_not_allowed", "unknown_file"]);
        const outcome: Record<string, [number, string | undefined]> = {
          ok: [200, undefined],
          bad: [403, "invalid_token"],
          auth: [401, "auth_required"],
          no_customer: [403, "forbidden"],
          not_yet_valid: [403, "not_yet_valid"],
          expired: [410, "expired"],
          ip_not_allowed: [403, "ip_not_allowed"],
          unknown_file: [404, "not_found"],
        };
        expect({ claims: body, download: [download.status, download.error?.error] }).toEqual({
          claims: body,
          download: outcome[downloadVerdict],
        });
        expect({ claims: body, info: [info.status, info.error?.error] }).toEqual({
          claims: body,
          info: outcome[infoVerdict],
        });
        if (downloadVerdict === "ok") {
          expect(download.body).toEqual(file.bytes);
          const state = JSON.parse(new TextDecoder().decode(info.body)) as Record<string, unknown>;
          expect(state.download_count).toBe(1);
        }
      },
      60,
    );
  });
});

describe("campaign: payload text games", () => {
  it("a validly signed payload text opens exactly when its JSON holds the contract's claims", async () => {
    const lid = () => uid("l");
    const payloads: [name: string, text: () => string, outcome: "opens" | "invalid" | "expired"][] = [
      ["plain", () => JSON.stringify(validClaims()), "opens"],
      ["exp 1e999 (Infinity)", () => `{"iss":"${shop.id}","lid":"${lid()}","fid":"${file.id}","exp":1e999}`, "invalid"],
      ["lim -0", () => `{"iss":"${shop.id}","lid":"${lid()}","fid":"${file.id}","lim":-0}`, "invalid"],
      [
        "exp -0 (is 0: long expired)",
        () => `{"iss":"${shop.id}","lid":"${lid()}","fid":"${file.id}","exp":-0}`,
        "expired",
      ],
      ["NaN", () => `{"iss":"${shop.id}","lid":"${lid()}","fid":"${file.id}","lim":NaN}`, "invalid"],
      // A claim given twice is refused whichever comes last (JSON would keep the last silently).
      [
        "duplicate iss, own last",
        () => `{"iss":"${other.id}","iss":"${shop.id}","lid":"${lid()}","fid":"${file.id}"}`,
        "invalid",
      ],
      [
        "duplicate iss, other last",
        () => `{"iss":"${shop.id}","iss":"${other.id}","lid":"${lid()}","fid":"${file.id}"}`,
        "invalid",
      ],
      [
        "escaped iss",
        () =>
          JSON.stringify(validClaims()).replace(
            /"iss":"(.)/,
            (_m, c: string) => `"iss":"\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
          ),
        "opens",
      ],
      ["NUL in lid", () => `{"iss":"${shop.id}","lid":"a\\u0000b","fid":"${file.id}"}`, "invalid"],
      // The UTF-8 decoder drops a leading BOM, as RFC 8259 §8.1 allows; the signer did sign it.
      ["byte order mark", () => `\ufeff${JSON.stringify(validClaims())}`, "opens"],
      ["trailing garbage", () => `${JSON.stringify(validClaims())}x`, "invalid"],
      ["two objects", () => `${JSON.stringify(validClaims())}{}`, "invalid"],
      ["array of claims", () => `[${JSON.stringify(validClaims())}]`, "invalid"],
      [
        "deep nesting",
        () => `{"iss":"${shop.id}","lid":"${lid()}","fid":"${file.id}","x":${"[".repeat(900)}${"]".repeat(900)}}`,
        "opens",
      ],
      ["empty", () => "", "invalid"],
      ["null", () => "null", "invalid"],
    ];
    await check(
      "tokens: payload text",
      fc.nat(payloads.length - 1),
      async (index) => {
        const [name, text, outcome] = payloads[index] as (typeof payloads)[number];
        const body = text();
        const input = `${base64url.encode(JSON.stringify({ alg: "HS256", kid: "k1" }))}.${base64url.encode(body)}`;
        const token = `${input}.${await signature("hs256-shop", input)}`;
        const result = await answer("tokens: payload text", await gateway(shop, `/downloads/${token}`));
        const expected = {
          opens: { name, status: 200, error: undefined },
          invalid: { name, status: 403, error: "invalid_token" },
          expired: { name, status: 410, error: "expired" },
        }[outcome];
        expect({ name, status: result.status, error: result.error?.error }).toEqual(expected);
      },
      32,
    );
  });
});

describe("campaign: tenants and their hosts", () => {
  it("a token opens only on its own tenant's host (bare or under its own /api prefix)", async () => {
    const otherFile = await putFile(other, { size: 40 });
    await check(
      "tokens: cross-tenant",
      fc.record({
        signer: fc.constantFrom("shop" as const, "other" as const),
        iss: fc.constantFrom("shop" as const, "other" as const),
        host: fc.constantFrom("shop" as const, "other" as const, "unknown" as const),
        prefix: fc.constantFrom("none" as const, "shop" as const, "other" as const, "nobody" as const),
      }),
      async (game) => {
        const issuer = game.iss === "shop" ? shop : other;
        const claims = { iss: issuer.id, lid: uid("l"), fid: game.iss === "shop" ? file.id : otherFile.id };
        const token = await compact(
          { alg: "HS256", kid: "k1" },
          claims,
          game.signer === "shop" ? "hs256-shop" : "hs256-other",
        );
        const host: TestTenant =
          game.host === "shop" ? shop : game.host === "other" ? other : { ...shop, id: "nobody", host: "nobody.test" };
        const prefix =
          game.prefix === "none"
            ? ""
            : `/api/${game.prefix === "shop" ? shop.id : game.prefix === "other" ? other.id : "nobody"}`;
        const result = await answer("tokens: cross-tenant", await gateway(host, `${prefix}/downloads/${token}`));
        // The tenant that judges the token: the prefix's when there is one, else the host's.
        const judge = game.prefix === "none" ? game.host : game.prefix;
        const genuine = game.signer === game.iss && judge === game.iss;
        // docs/CONTRACT.md §4: on a host that belongs to a tenant, another tenant's /api prefix is 404.
        const crossPrefix = game.prefix !== "none" && game.host !== "unknown" && game.prefix !== game.host;
        if (crossPrefix) expect({ game, status: result.status }).toEqual({ game, status: 404 });
        else if (genuine) expect({ game, status: result.status }).toEqual({ game, status: 200 });
        else expect([403, 404]).toContain(result.status);
      },
      30,
    );
  });

  // Issue 8 §2 (tenant prefix isolation): docs/CONTRACT.md §4 makes an /api/<A>/ prefix on a
  // host that belongs to tenant B a 404; the prefix never makes B's host answer for A.
  it("/api/<A>/ on tenant B's host is 404, even with A's genuine token", async () => {
    const token = await compact({ alg: "HS256", kid: "k1" }, validClaims(), "hs256-shop");
    const result = await answer("tokens: cross-tenant", await gateway(other, `/api/${shop.id}/downloads/${token}`));
    expect({ status: result.status, error: result.error?.error }).toEqual({ status: 404, error: "not_found" });
  });
});
