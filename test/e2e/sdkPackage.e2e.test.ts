/**
 * The signing SDK as a store's back end gets it: `npm pack` (which builds dist/ through
 * `prepack`), installed into an empty Node 22 project without network, imported with plain
 * `node` as `dlgate/sign`, type-checked by tsc from its declarations, and the packaged CLI run.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** The pinned Node 22 (devDependency `node`), not whatever `node` the machine has. */
const NODE = join(ROOT, "node_modules/node/bin/node");
const TSC = join(ROOT, "node_modules/.bin/tsc");
const SECRET = "a-store-secret-0123456789";

function run(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    execFile(file, args, { cwd, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
      else done({ stdout, stderr });
    });
  });
}

let work: string;
let project: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "dlgate-pack-"));
  project = join(work, "store-backend");
  await run("npm", ["pack", "--pack-destination", work], ROOT);
  tarball = join(work, readdirSync(work).find((name) => /^dlgate-.*\.tgz$/.test(name)) ?? "missing.tgz");
  // jose, the SDK's one dependency, packed from this repository's node_modules: the same
  // bytes the registry serves, so the install below needs no network at all (--offline).
  await run("npm", ["pack", join(ROOT, "node_modules/jose"), "--pack-destination", work], ROOT);
  const jose = join(work, readdirSync(work).find((name) => /^jose-.*\.tgz$/.test(name)) ?? "missing.tgz");
  await run("mkdir", ["-p", project], work);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "store-backend", private: true, type: "module" }),
  );
  await run("npm", ["install", jose, tarball, "--offline", "--no-audit", "--no-fund"], project);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the dlgate package", () => {
  it("ships compiled JavaScript, type declarations, the CLI and the docs, and no TypeScript source", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball], work);
    const files = stdout.trim().split("\n").sort();
    expect(files).toEqual(
      expect.arrayContaining(["package/dist/sign.js", "package/dist/sign.d.ts", "package/bin/dlgate.mjs"]),
    );
    expect(files).toContain("package/docs/CONTRACT.md");
    expect(files.filter((f) => f.startsWith("package/src/") || f.startsWith("package/test/"))).toEqual([]);
  });

  it("imports as dlgate/sign with plain node and signs a token the gateway's key verifies", async () => {
    const script = `
      import { signDownloadToken, downloadUrl } from "dlgate/sign";
      const token = await signDownloadToken(
        { tenant: "shop", link: "order-7-ebook", file: "ebook", limit: 3, expires: "7d", order: "7" },
        { kid: "k1", secret: ${JSON.stringify(SECRET)} },
      );
      console.log(downloadUrl("https://downloads.example.com", token));`;
    const { stdout } = await run(NODE, ["--input-type=module", "-e", script], project);
    const url = stdout.trim();
    expect(url).toMatch(/^https:\/\/downloads\.example\.com\/downloads\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const { payload, protectedHeader } = await jwtVerify(url.split("/").at(-1) ?? "", new TextEncoder().encode(SECRET));
    expect(protectedHeader).toMatchObject({ alg: "HS256", kid: "k1" });
    expect(payload).toMatchObject({ iss: "shop", lid: "order-7-ebook", fid: "ebook", lim: 3, ord: "7" });
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000 + 6 * 86400);
  });

  it("type-checks a TypeScript back end against the shipped declarations", async () => {
    writeFileSync(
      join(project, "sign.ts"),
      `import { signDownloadToken, type LinkGrant } from "dlgate/sign";
       const grant: LinkGrant = { tenant: "shop", link: "l1", file: "f1", limit: 2 };
       export const token: Promise<string> = signDownloadToken(grant, { kid: "k1", secret: "s" });
       // @ts-expect-error: limit is a number
       signDownloadToken({ ...grant, limit: "2" }, { kid: "k1", secret: "s" });`,
    );
    await run(
      TSC,
      [
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--lib",
        "es2022,dom",
        "sign.ts",
      ],
      project,
    );
  });

  it("runs the packaged CLI from the compiled module", async () => {
    const { stdout } = await run(
      NODE,
      [
        "node_modules/dlgate/bin/dlgate.mjs",
        "sign",
        "--tenant",
        "shop",
        "--kid",
        "k1",
        "--secret",
        SECRET,
        "--link",
        "l1",
        "--file",
        "f1",
        "--token-only",
      ],
      project,
    );
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(SECRET));
    expect(payload).toMatchObject({ iss: "shop", lid: "l1", fid: "f1" });
  });
});
