/**
 * The README's "Deploying" section, walked locally: its shell blocks are read from
 * README.md and run with bash against a local gateway, the way a store runs them against
 * production. The account-bound steps run as their local twins: `wrangler d1 migrations
 * apply --local` (startTestGateway), the secrets from `openssl rand` as `--var`, and the
 * `wrangler.toml` routes snippet through `wrangler deploy --dry-run`. Hosts: the Worker's
 * own address is `127.0.0.1:<port>` (no tenant's host, like `*.workers.dev`); the store's
 * host is `localhost:<port>` (`downloads.example.com` in the README).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreatedTenant, DownloadInfo, FileView, OrderView } from "../helpers/answers.ts";
import { freePort, startTestGateway, type TestGateway } from "./gatewayProcess.ts";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const NODE = join(ROOT, "node_modules/node/bin/node");
const DLGATE = join(ROOT, "bin/dlgate.mjs");

type Run = { code: number; stdout: string; stderr: string };

function run(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((done, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        done({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** The fenced blocks (```sh / ```toml) of the README's "## Deploying" section. */
function deployingBlocks(language: "sh" | "toml"): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Deploying");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 5));
  const fence = new RegExp("^( *)```" + language + "\\n([\\s\\S]*?)^\\1```", "gm");
  return [...section.matchAll(fence)].map((m) => (m[2] ?? "").replace(new RegExp(`^${m[1]}`, "gm"), ""));
}

/** The one shell block that contains `needle`, without the lines that set `VAR=` placeholders. */
function block(needle: string, placeholders: string[]): string {
  const found = deployingBlocks("sh").filter((b) => b.includes(needle));
  expect(found, `exactly one README block contains ${needle}`).toHaveLength(1);
  return (found[0] ?? "")
    .split("\n")
    .filter((line) => !placeholders.some((name) => line.startsWith(`${name}=`)))
    .join("\n");
}

/**
 * Runs a README block with bash. `npx dlgate` becomes this checkout's CLI run by the
 * pinned Node (what `npx` resolves to in the clone), without npx's registry fallback.
 */
function bash(script: string, env: Record<string, string>, cwd: string): Promise<Run> {
  const local = script.replaceAll("npx dlgate", `"${NODE}" "${DLGATE}"`);
  return run("bash", ["-euo", "pipefail", "-c", local], { cwd, env });
}

/** Splits `{…}{…}` (two JSON answers printed back to back by curl). */
function jsonAnswers(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let rest = text.trim();
  while (rest) {
    let parsed = false;
    for (let end = rest.indexOf("}"); end !== -1; end = rest.indexOf("}", end + 1)) {
      try {
        out.push(JSON.parse(rest.slice(0, end + 1)) as Record<string, unknown>);
        rest = rest.slice(end + 1).trim();
        parsed = true;
        break;
      } catch {
        // not the end of this document yet
      }
    }
    if (!parsed) throw new Error(`not JSON: ${rest}`);
  }
  return out;
}

let gateway: TestGateway;
let work: string;
let gatewayUrl: string;
let storeUrl: string;
let operatorSecret: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "dlgate-deploying-"));
  // Step 5's secrets, generated as the README says.
  const secrets = block("wrangler secret put", []);
  expect(secrets).toMatch(/openssl rand -base64 32\b.*MASTER_KEY/);
  expect(secrets).toMatch(/openssl rand -base64 32\b.*OPERATOR_SECRET/);
  const masterKey = (await run("openssl", ["rand", "-base64", "32"])).stdout.trim();
  operatorSecret = (await run("openssl", ["rand", "-base64", "32"])).stdout.trim();
  expect(Buffer.from(masterKey, "base64")).toHaveLength(32);
  gateway = await startTestGateway("deploying", { masterKey, operatorSecret });
  gatewayUrl = `http://127.0.0.1:${gateway.port}`;
  storeUrl = `http://localhost:${gateway.port}`;
});

afterAll(async () => {
  await gateway?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("README: Deploying, walked locally", () => {
  let adminKey: string;
  let downloadUrl: string;
  const guide = Buffer.from("%PDF-1.4\n% the guide of the README walk\n".repeat(200));

  it("step 6: the routes snippet is valid wrangler.toml (deploy --dry-run)", async () => {
    const [snippet] = deployingBlocks("toml");
    expect(snippet).toContain("custom_domain = true");
    const config = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
    // At the top level, above the first [section], as the README says.
    const withRoutes = config.replace(/^\[/m, `${snippet}\n[`);
    const path = join(ROOT, ".wrangler", `readme-routes-${process.pid}.toml`);
    writeFileSync(
      path,
      withRoutes
        .replace('main = "src/index.ts"', 'main = "../src/index.ts"')
        .replace('migrations_dir = "migrations"', 'migrations_dir = "../migrations"'),
    );
    try {
      const result = await run(join(ROOT, "node_modules/.bin/wrangler"), [
        "deploy",
        "--dry-run",
        "--config",
        path,
        "--outdir",
        join(work, "dry-run"),
      ]);
      expect(result.code, result.stderr).toBe(0);
    } finally {
      rmSync(path, { force: true });
    }
  });

  it("step 7: creates the first tenant with the CLI, --url and --operator-secret", async () => {
    const script = block("dlgate tenant create", ["GATEWAY", "STORE"]).replace(
      "--host downloads.example.com",
      "--host localhost",
    );
    const result = await bash(script, { GATEWAY: gatewayUrl, STORE: storeUrl, OPERATOR_SECRET: operatorSecret }, work);
    expect(result.code, result.stderr).toBe(0);
    const created = JSON.parse(result.stdout) as CreatedTenant;
    expect(created.tenant).toMatchObject({ id: "shop", hosts: ["localhost"] });
    expect(created.admin_key).toMatch(/^dlgk_/);
    expect(created.signing_key.kid).toBe("k1");
    adminKey = created.admin_key;
  });

  it("step 8: uploads a file and creates an order on the store's host", async () => {
    writeFileSync(join(work, "guide.pdf"), guide);
    const script = block("/admin/v1/orders", ["ADMIN_KEY"]);
    const result = await bash(script, { STORE: storeUrl, ADMIN_KEY: adminKey }, work);
    expect(result.code, result.stderr).toBe(0);
    const [file, order] = jsonAnswers(result.stdout) as [FileView, OrderView];
    expect(file).toMatchObject({ id: "guide", size: guide.length });
    expect(file.sha256).toBe(createHash("sha256").update(guide).digest("hex"));
    expect(order.order_number).toBe("1001");
    downloadUrl = order.items[0]?.files[0]?.download_url ?? "";
    expect(downloadUrl.startsWith(`${storeUrl}/api/shop/downloads/`)).toBe(true);
  });

  it("step 8: downloads it with curl -OJ, counted once", async () => {
    const into = mkdtempSync(join(work, "customer-"));
    const result = await bash(block("curl -fOJ", ["DOWNLOAD_URL"]), { DOWNLOAD_URL: downloadUrl }, into);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(into, "Guide.pdf"))).toEqual(guide);
    const info = (await (await fetch(`${downloadUrl}/info`)).json()) as DownloadInfo;
    expect(info).toMatchObject({ download_count: 1, download_limit: 3, remaining_downloads: 2 });
  });
});

describe("the CLI's gateway address", () => {
  const tenantArgs = (id: string) => ["tenant", "create", "--id", id, "--name", id, "--operator-secret"];

  it("takes DLGATE_URL when there is no --url", async () => {
    const result = await run(NODE, [DLGATE, ...tenantArgs("by-env"), operatorSecret], {
      env: { DLGATE_URL: gatewayUrl, PORT: "1" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tenant: { id: "by-env" } });
  });

  it("defaults to http://127.0.0.1:$PORT", async () => {
    const env: Record<string, string> = { PORT: String(gateway.port) };
    const result = await run(NODE, [DLGATE, ...tenantArgs("by-port"), operatorSecret], {
      env: { ...env, DLGATE_URL: "" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tenant: { id: "by-port" } });
  });

  it("reports an unreachable gateway in one line naming the URL, without the usage text", async () => {
    const closed = await freePort();
    const result = await run(NODE, [DLGATE, ...tenantArgs("nowhere"), "x", "--url", `http://127.0.0.1:${closed}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `dlgate: cannot reach http://127.0.0.1:${closed}/admin/v1/tenants: ECONNREFUSED`,
    ]);
  });
});
