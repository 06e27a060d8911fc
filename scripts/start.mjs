// `npm start`: a local gateway with a demo store, ready to download from.
// 1. .dev.vars with a MASTER_KEY (created once), 2. D1 migrations, 3. the demo tenant,
// its signing key and a demo file (idempotent), 4. a signed URL, 5. wrangler dev.
import { signDownloadToken, downloadUrl } from "../src/sdk/sign.ts";
import { demoPdf } from "./lib/demoPdf.mjs";
import { applyMigrations, ensureDevVars, putLocalFile, startWranglerDev, upsertTenant, withLocalBindings } from "./lib/localGateway.mjs";

/** Documented in the README: the demo store's signing key, for signing links by hand. */
export const DEMO = {
  tenant: "demo",
  kid: "dev",
  secret: "dlgate-demo-secret-do-not-use-in-production",
  fileId: "welcome-guide",
  fileName: "Welcome to dlgate — Guide.pdf",
};

const port = Number(process.env.PORT ?? 8787);
const masterKey = ensureDevVars();
console.log("• applying D1 migrations (local)…");
applyMigrations();
console.log("• seeding the demo store…");
await withLocalBindings(async (env) => {
  await upsertTenant(env, masterKey, {
    id: DEMO.tenant,
    name: "Demo Store",
    hosts: ["localhost", "127.0.0.1"],
    keys: [{ kid: DEMO.kid, secret: DEMO.secret }],
  });
  await putLocalFile(env, {
    tenant: DEMO.tenant,
    fileId: DEMO.fileId,
    filename: DEMO.fileName,
    contentType: "application/pdf",
    body: demoPdf([
      "Welcome to dlgate",
      "This file was delivered through a signed, counted download link.",
      "Try: curl -C - to resume, or download it again until the limit is reached.",
    ]),
  });
});

const token = await signDownloadToken(
  { tenant: DEMO.tenant, link: `demo-${Date.now().toString(36)}`, file: DEMO.fileId, limit: 5, expires: "7d" },
  { kid: DEMO.kid, secret: DEMO.secret },
);
const url = downloadUrl(`http://127.0.0.1:${port}`, token);

console.log("• starting wrangler dev…");
const gateway = await startWranglerDev({ port, inheritOutput: true });
console.log(`
dlgate is running at ${gateway.baseUrl}

  A download link (5 downloads, 7 days):
    ${url}

  Download it:        curl -OJ '${url}'
  Its state:          curl '${url}/info'
  Sign your own:      npx dlgate sign --tenant ${DEMO.tenant} --kid ${DEMO.kid} --secret ${DEMO.secret} --link my-link --file ${DEMO.fileId} --limit 3

Press Ctrl+C to stop.
`);
const stop = () => {
  gateway.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
gateway.child.on("exit", (code) => process.exit(code ?? 0));
