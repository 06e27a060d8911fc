#!/usr/bin/env node
// dlgate CLI: sign links, mint customer tokens, create tenants. See `dlgate help`.
import { SignJWT } from "jose";
import { parseArgs } from "node:util";
import { downloadUrl, signDownloadToken } from "../src/sdk/sign.ts";

const USAGE = `dlgate sign --tenant ID --kid KID --secret SECRET --link LINK_ID --file FILE_ID
            [--limit N] [--expires 7d|<unix seconds>] [--ips CIDR,…] [--devices N]
            [--sub CUSTOMER_ID] [--login] [--filename NAME] [--order NUMBER]
            [--base-url http://127.0.0.1:8787] [--token-only]
    Prints a download URL signed with the tenant's HS256 key (DESIGN.md §3).

dlgate customer-token --secret CUSTOMER_SECRET --sub CUSTOMER_ID [--expires 1h]
    Prints a customer JWT (HS256) as a storefront would issue it, for /my/downloads.

dlgate tenant create --id ID --name NAME [--host HOST …] [--origin URL] [--customer-secret S]
            [--url http://127.0.0.1:8787] [--operator-secret SECRET]
    Creates a tenant through the operator API and prints its first admin key and
    signing key (shown once). The secret defaults to $DLGATE_OPERATOR_SECRET.`;

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
      "base-url": { type: "string", default: process.env.DLGATE_URL ?? "http://127.0.0.1:8787" },
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
    },
    { kid: values.kid, secret: values.secret },
  );
  console.log(values["token-only"] ? token : downloadUrl(values["base-url"], token));
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

async function tenantCreate(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: "string" },
      name: { type: "string" },
      host: { type: "string", multiple: true, default: [] },
      origin: { type: "string" },
      "customer-secret": { type: "string" },
      url: { type: "string", default: process.env.DLGATE_URL ?? "http://127.0.0.1:8787" },
      "operator-secret": { type: "string", default: process.env.DLGATE_OPERATOR_SECRET },
    },
    strict: true,
  });
  if (!values.id || !values.name) fail("--id and --name are required");
  if (!values["operator-secret"]) fail("--operator-secret (or $DLGATE_OPERATOR_SECRET) is required");
  const response = await fetch(`${values.url.replace(/\/+$/, "")}/admin/v1/tenants`, {
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
