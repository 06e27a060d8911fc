#!/usr/bin/env node
// dlgate CLI. `dlgate sign …` prints a signed download URL; see `dlgate help`.
import { parseArgs } from "node:util";
import { downloadUrl, signDownloadToken } from "../src/sdk/sign.ts";

const USAGE = `dlgate sign --tenant ID --kid KID --secret SECRET --link LINK_ID --file FILE_ID
            [--limit N] [--expires 7d|<unix seconds>] [--ips CIDR,…] [--devices N]
            [--sub CUSTOMER_ID] [--login] [--filename NAME] [--order NUMBER]
            [--base-url http://127.0.0.1:8787] [--token-only]

Prints a download URL signed with the tenant's HS256 key (DESIGN.md §3).`;

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
  const expires = values.expires === undefined ? undefined : /^\d+$/.test(values.expires) ? Number(values.expires) : values.expires;
  const token = await signDownloadToken(
    {
      tenant: values.tenant,
      link: values.link,
      file: values.file,
      limit: positiveInt("limit", values.limit),
      expires,
      ips: values.ips?.split(",").map((s) => s.trim()).filter(Boolean),
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

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "sign") await sign(rest);
  else if (command === undefined || command === "help" || command === "--help") console.log(USAGE);
  else fail(`unknown command ${JSON.stringify(command)}`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
