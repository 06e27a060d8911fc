/**
 * End-to-end over real HTTP (issue 2): `wrangler dev` on a free port with its own state
 * directory, driven by the system's curl and wget. Runs in Node (vitest project "e2e"),
 * not inside workerd.
 */
import { execFile } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, killGroup, stopChild } from "./gatewayProcess.ts";
import { downloadUrl, signDownloadToken, type LinkGrant } from "../../src/sdk/sign.ts";
import {
  applyMigrations,
  ensureDevVars,
  putLocalFile,
  startWranglerDev,
  upsertTenant,
  withLocalBindings,
  type LocalGateway,
} from "../../scripts/lib/localGateway.ts";
import type { DownloadInfo, ErrorBody } from "../helpers/answers.ts";

const CURL = "/usr/bin/curl";
const WGET = "/usr/bin/wget";

const TENANT = "e2e";
/**
 * A second store on the host name `localhost` (the same gateway): its every early abort is
 * given back (`abort_refund_fraction` 1), where TENANT never gives one back (0). How much
 * a client interrupted by `--max-time` had been written depends on socket buffers, so each
 * tenant pins the refund rule to one side; the threshold itself is tested inside workerd
 * (test/integration/delivery.test.ts).
 */
const REFUND_TENANT = "e2e-refund";
const KEY = { kid: "e2e", secret: "dlgate-e2e-secret-only-for-this-test" };
const FILE_ID = "big-file";
const FILE_NAME = "Résumé — café ☕.pdf";
const FILE_SIZE = 24 * 1024 * 1024;

/**
 * The refund tenant's file: bigger than what the runtime and loopback sockets buffer ahead
 * of a slow client (about 16–20 MB measured here), so an interrupted transfer really is
 * cut off early and not already written to the end.
 */
const BIG_FILE_SIZE = 64 * 1024 * 1024;

/** `size` deterministic pseudo-random bytes: AES-128-CTR keystream with a fixed key. */
function fileBytes(size = FILE_SIZE): Buffer {
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

type RunResult = { code: number; stdout: string; stderr: string };

/** Runs a command to its end; a non-zero exit is a result, not an exception. */
function run(file: string, args: string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, LC_ALL: "C.UTF-8" } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

let state: string;
let gateway: LocalGateway | undefined;
let expectedSha: string;
let expectedBigSha: string;

/** A fresh signed link (its own counter) to the test file. */
async function link(name: string, grant: Partial<LinkGrant> = {}, tenant = TENANT): Promise<string> {
  if (!gateway) throw new Error("gateway not started");
  const token = await signDownloadToken(
    { tenant, link: `${name}-${Date.now().toString(36)}`, file: FILE_ID, expires: "1h", ...grant },
    KEY,
  );
  const base = tenant === REFUND_TENANT ? gateway.baseUrl.replace("127.0.0.1", "localhost") : gateway.baseUrl;
  return downloadUrl(base, token);
}

/** Polls /info until the count is `expected` (a refund lands after the connection closed), with a deadline. */
async function countBecomes(url: string, expected: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await downloadCount(url);
    if (count === expected || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function downloadCount(url: string): Promise<number> {
  const res = await fetch(`${url}/info`);
  expect(res.status).toBe(200);
  const info = (await res.json()) as DownloadInfo;
  return info.download_count;
}

function workDir(name: string): string {
  return mkdtempSync(join(state, `${name}-`));
}

/** Last resort: if this worker exits without afterAll (crash, Ctrl+C), take wrangler and the temp dir with it. */
const cleanUpOnExit = (): void => {
  if (gateway && gateway.child.exitCode === null) killGroup(gateway.child, "SIGKILL");
  if (state) rmSync(state, { recursive: true, force: true });
};

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), "dlgate-e2e-"));
  process.once("exit", cleanUpOnExit);
  const persistTo = join(state, "wrangler-state");
  const masterKey = ensureDevVars();
  applyMigrations({ persistTo });

  const body = fileBytes();
  expectedSha = sha256(body);
  await withLocalBindings(
    async (env) => {
      await upsertTenant(env, masterKey, {
        id: TENANT,
        name: "E2E Store",
        hosts: ["127.0.0.1"],
        keys: [KEY],
        settings: { abort_refund_fraction: 0 },
      });
      await upsertTenant(env, masterKey, {
        id: REFUND_TENANT,
        name: "E2E Refund Store",
        hosts: ["localhost"],
        keys: [KEY],
        settings: { abort_refund_fraction: 1 },
      });
      await putLocalFile(env, {
        tenant: TENANT,
        fileId: FILE_ID,
        body,
        filename: FILE_NAME,
        contentType: "application/pdf",
      });
      const big = fileBytes(BIG_FILE_SIZE);
      expectedBigSha = sha256(big);
      await putLocalFile(env, { tenant: REFUND_TENANT, fileId: FILE_ID, body: big, filename: "big.bin" });
    },
    { persistTo },
  );

  gateway = await startWranglerDev({ port: await freePort(), persistTo });
});

afterAll(async () => {
  try {
    if (gateway) await stopChild(gateway.child);
  } finally {
    process.off("exit", cleanUpOnExit);
    if (state) rmSync(state, { recursive: true, force: true });
  }
});

describe("downloads over real HTTP with curl and wget", () => {
  it("a full download is byte-identical and counts once", async () => {
    const url = await link("full");
    const dir = workDir("full");
    const out = join(dir, "file");
    const curl = await run(CURL, ["-sS", "-o", out, "-w", "%{http_code}", url]);
    expect(curl).toMatchObject({ code: 0, stdout: "200" });
    expect(sha256(readFileSync(out))).toBe(expectedSha);
    expect(await downloadCount(url)).toBe(1);
  });

  it("`curl -C -` resumes an interrupted transfer into an identical file without counting twice", async () => {
    const url = await link("resume");
    const dir = workDir("resume");
    const out = join(dir, "part");

    // ~2 s at 2 MB/s: curl gives up with "operation timed out" (28) and leaves a partial file.
    const first = await run(CURL, ["-sS", "--limit-rate", "2M", "--max-time", "2", "-o", out, url]);
    expect(first.code).toBe(28);
    const partial = statSync(out).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(FILE_SIZE);
    expect(await downloadCount(url)).toBe(1);

    const resumed = await run(CURL, ["-sS", "-C", "-", "-o", out, "-w", "%{http_code}", url]);
    expect(resumed).toMatchObject({ code: 0, stdout: "206" });
    expect(statSync(out).size).toBe(FILE_SIZE);
    expect(sha256(readFileSync(out))).toBe(expectedSha);
    expect(await downloadCount(url)).toBe(1);
  });

  it("`curl -C -` from another device (another User-Agent) is a new download: refused at the limit", async () => {
    const url = await link("other-device", { limit: 1 });
    const dir = workDir("other-device");
    const out = join(dir, "part");
    const first = await run(CURL, ["-sS", "--limit-rate", "2M", "--max-time", "2", "-o", out, url]);
    expect(first.code).toBe(28);
    const partial = statSync(out).size;
    expect(partial).toBeLessThan(FILE_SIZE);
    copyFileSync(out, join(dir, "copy"));

    // Someone else with the URL and the partial file: 403, and not one byte appended.
    const bodyFile = join(dir, "refusal.json");
    const other = await run(CURL, [
      "-sS",
      "-A",
      "OtherDevice/1",
      "-r",
      `${partial}-`,
      "-o",
      bodyFile,
      "-w",
      "%{http_code}",
      url,
    ]);
    expect(other).toMatchObject({ code: 0, stdout: "403" });
    expect((JSON.parse(readFileSync(bodyFile, "utf8")) as ErrorBody).error).toBe("limit_reached");
    expect(await downloadCount(url)).toBe(1);

    // The device that took the download still resumes it for free.
    const resumed = await run(CURL, ["-sS", "-C", "-", "-o", join(dir, "copy"), "-w", "%{http_code}", url]);
    expect(resumed).toMatchObject({ code: 0, stdout: "206" });
    expect(sha256(readFileSync(join(dir, "copy")))).toBe(expectedSha);
    expect(await downloadCount(url)).toBe(1);
  });

  it("an interrupted transfer that was given back is counted when `curl -C -` finishes it: once in all", async () => {
    const url = await link("refunded-resume", { limit: 1 }, REFUND_TENANT);
    const dir = workDir("refunded-resume");
    const out = join(dir, "part");
    const first = await run(CURL, ["-sS", "--limit-rate", "1M", "--max-time", "2", "-o", out, url]);
    expect(first.code).toBe(28);
    expect(statSync(out).size).toBeLessThan(BIG_FILE_SIZE / 4);
    // The gateway saw the connection close and gave the download back.
    expect(await countBecomes(url, 0)).toBe(0);

    const resumed = await run(CURL, ["-sS", "-C", "-", "-o", out, "-w", "%{http_code}", url]);
    expect(resumed).toMatchObject({ code: 0, stdout: "206" });
    expect(sha256(readFileSync(out))).toBe(expectedBigSha);
    expect(await downloadCount(url)).toBe(1);
    // Counted, so the limit is used up.
    const again = await run(CURL, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", url]);
    expect(again.stdout).toBe("403");
  });

  it("`curl -OJ` saves under the unicode file name", async () => {
    const url = await link("curl-oj");
    const dir = workDir("curl-oj");
    const curl = await run(CURL, ["-sS", "-OJ", url], dir);
    expect(curl.code).toBe(0);
    expect(readdirSync(dir)).toEqual([FILE_NAME]);
    expect(sha256(readFileSync(join(dir, FILE_NAME)))).toBe(expectedSha);
  });

  it("`wget --content-disposition` saves under the unicode file name", async () => {
    const url = await link("wget");
    const dir = workDir("wget");
    // wget ignores the ASCII `filename` when `filename*` is present; run() sets a UTF-8 locale for it.
    const wget = await run(WGET, ["-q", "--content-disposition", url], dir);
    expect(wget.code).toBe(0);
    expect(readdirSync(dir)).toEqual([FILE_NAME]);
    expect(sha256(readFileSync(join(dir, FILE_NAME)))).toBe(expectedSha);
  });

  it("a link with limit 1 refuses the second download with 403 limit_reached", async () => {
    const url = await link("limit", { limit: 1 });
    const dir = workDir("limit");
    const first = await run(CURL, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", url]);
    expect(first).toMatchObject({ code: 0, stdout: "200" });

    const bodyFile = join(dir, "second.json");
    const second = await run(CURL, ["-sS", "-o", bodyFile, "-w", "%{http_code}", url]);
    expect(second).toMatchObject({ code: 0, stdout: "403" });
    const body = JSON.parse(readFileSync(bodyFile, "utf8")) as ErrorBody;
    expect(body.error).toBe("limit_reached");
    expect(await downloadCount(url)).toBe(1);
  });

  it("HEAD (`curl -I`) answers the file's headers and does not count", async () => {
    const url = await link("head");
    for (let i = 0; i < 2; i++) {
      const head = await run(CURL, ["-sS", "-I", url]);
      expect(head.code).toBe(0);
      expect(head.stdout).toMatch(/^HTTP\/1\.1 200 /);
      expect(head.stdout).toMatch(new RegExp(`^content-length: ${FILE_SIZE}\\r$`, "im"));
      expect(head.stdout).toMatch(/^accept-ranges: bytes\r$/im);
      expect(head.stdout).toMatch(/^content-type: application\/pdf\r$/im);
    }
    expect(await downloadCount(url)).toBe(0);
  });
});
