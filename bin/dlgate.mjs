#!/usr/bin/env node
// dlgate CLI: sign links, mint customer tokens, create tenants. See `dlgate help`.
import { SignJWT } from "jose";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";

// In a clone of the repository Node runs the TypeScript source (type stripping); the
// published package has no src/ (and Node never strips types under node_modules), only
// the compiled dist/.
const SOURCE = new URL("../src/sdk/sign.ts", import.meta.url);
const { downloadUrl, signDownloadToken } = await import(
  existsSync(SOURCE) ? SOURCE.href : new URL("../dist/sign.js", import.meta.url).href
);

/** Where the gateway is: --url, else $DLGATE_URL, else the local `npm start` gateway on $PORT. */
const DEFAULT_URL = process.env.DLGATE_URL || `http://127.0.0.1:${process.env.PORT || 8787}`;

const USAGE = `dlgate sign --tenant ID --kid KID --secret SECRET --link LINK_ID --file FILE_ID
            [--limit N] [--expires 7d|<unix seconds>] [--ips CIDR,…] [--devices N]
            [--sub CUSTOMER_ID] [--login] [--filename NAME] [--order NUMBER]
            [--countries DE,AT,…] [--blocked-countries RU,T1,…]
            [--base-url URL] [--token-only]
    Prints a download URL signed with the tenant's HS256 key (token format: docs/TOKEN.md).
    --base-url defaults to $DLGATE_URL, else http://127.0.0.1:$PORT (PORT 8787).

dlgate customer-token --secret CUSTOMER_SECRET --sub CUSTOMER_ID [--expires 1h]
    Prints a customer JWT (HS256) as a storefront would issue it, for /my/downloads.

dlgate tenant create --id ID --name NAME [--host HOST …] [--origin URL] [--customer-secret S]
            [--url URL] [--operator-secret SECRET]
    Creates a tenant through the operator API and prints its first admin key and
    signing key (shown once). --url is the gateway (default $DLGATE_URL, else
    http://127.0.0.1:$PORT, PORT 8787); the secret defaults to $DLGATE_OPERATOR_SECRET.
    --host is the Host the store's customers and front end use (the download domain).`;

function fail(message) {
  console.error(`dlgate: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveInt(name, value) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number ≥ 1`);
  return n;
}

async function sign(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: "string" },
      kid: { type: "string" },
      secret: { type: "string" },
      link: { type: "string" },
      file: { type: "string" },
      limit: { type: "string" },
      expires: { type: "string" },
      ips: { type: "string" },
      devices: { type: "string" },
      sub: { type: "string" },
      login: { type: "boolean" },
      filename: { type: "string" },
      order: { type: "string" },
      countries: { type: "string" },
      "blocked-countries": { type: "string" },
      "base-url": { type: "string", default: DEFAULT_URL },
      "token-only": { type: "boolean" },
    },
    strict: true,
  });
  for (const required of ["tenant", "kid", "secret", "link", "file"]) {
    if (!values[required]) fail(`--${required} is required`);
  }
  const expires =
    values.expires === undefined ? undefined : /^\d+$/.test(values.expires) ? Number(values.expires) : values.expires;
  const token = await signDownloadToken(
    {
      tenant: values.tenant,
      link: values.link,
      file: values.file,
      limit: positiveInt("limit", values.limit),
      expires,
      ips: values.ips
        ?.split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      devices: positiveInt("devices", values.devices),
      customer: values.sub,
      requireLogin: values.login,
      filename: values.filename,
      order: values.order,
      countries: list(values.countries),
      blockedCountries: list(values["blocked-countries"]),
    },
    { kid: values.kid, secret: values.secret },
  );
  console.log(values["token-only"] ? token : downloadUrl(values["base-url"], token));
}

/** "DE, AT" → ["DE", "AT"]; undefined stays undefined. */
function list(value) {
  return value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

async function customerToken(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { secret: { type: "string" }, sub: { type: "string" }, expires: { type: "string", default: "1h" } },
    strict: true,
  });
  if (!values.secret || !values.sub) fail("--secret and --sub are required");
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(values.sub)
    .setIssuedAt()
    .setExpirationTime(values.expires)
    .sign(new TextEncoder().encode(values.secret));
  console.log(token);
}

/** fetch(), with a network failure reported in one line that names the URL (no usage text). */
async function request(url, init) {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = error?.cause?.code ?? error?.cause?.message ?? error?.message ?? String(error);
    console.error(`dlgate: cannot reach ${url}: ${cause}`);
    process.exit(1);
  }
}

async function tenantCreate(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: "string" },
      name: { type: "string" },
      host: { type: "string", multiple: true, default: [] },
      origin: { type: "string" },
      "customer-secret": { type: "string" },
      url: { type: "string", default: DEFAULT_URL },
      "operator-secret": { type: "string", default: process.env.DLGATE_OPERATOR_SECRET },
    },
    strict: true,
  });
  if (!values.id || !values.name) fail("--id and --name are required");
  if (!values["operator-secret"]) fail("--operator-secret (or $DLGATE_OPERATOR_SECRET) is required");
  const endpoint = `${values.url.replace(/\/+$/, "")}/admin/v1/tenants`;
  if (!URL.canParse(endpoint)) fail(`--url ${JSON.stringify(values.url)} is not a URL`);
  const response = await request(endpoint, {
    method: "POST",
    headers: { Authorization: `Bearer ${values["operator-secret"]}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      id: values.id,
      name: values.name,
      hosts: values.host,
      ...(values.origin ? { origin_url: values.origin } : {}),
      ...(values["customer-secret"] ? { customer_secret: values["customer-secret"] } : {}),
    }),
  });
  const body = await response.text();
  if (!response.ok) {
    console.error(`dlgate: the gateway answered ${response.status}: ${body}`);
    process.exit(1);
  }
  console.log(JSON.stringify(JSON.parse(body), null, 2));
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "sign") await sign(rest);
  else if (command === "customer-token") await customerToken(rest);
  else if (command === "tenant" && rest[0] === "create") await tenantCreate(rest.slice(1));
  else if (command === undefined || command === "help" || command === "--help") console.log(USAGE);
  else fail(`unknown command ${JSON.stringify(command)}`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
