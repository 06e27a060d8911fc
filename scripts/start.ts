// `npm start`: a local gateway with a demo store, ready to download from.
// 1. .dev.vars with MASTER_KEY and OPERATOR_SECRET, 2. D1 migrations, 3. the demo tenant
// and its keys (idempotent), 4. wrangler dev, 5. the demo file and order through the
// issuer API (idempotent too), 6. the URLs and credentials to try it with.
import { SignJWT } from "jose";
import type { z } from "zod";
import type { createOrderSchema, OrderView } from "../src/orders/orderSchemas.ts";
import { signDownloadToken, downloadUrl } from "../src/sdk/sign.ts";
import { demoPdf } from "./lib/demoPdf.ts";
import {
  LOCAL_OPERATOR_SECRET,
  applyMigrations,
  ensureDevVars,
  setCustomerSecret,
  startWranglerDev,
  upsertAdminKey,
  upsertTenant,
  withLocalBindings,
} from "./lib/localGateway.ts";

/** Documented in the README: the demo store's credentials. Local use only. */
export const DEMO = {
  tenant: "demo",
  kid: "dev",
  secret: "dlgate-demo-secret-do-not-use-in-production",
  adminKey: "dlgk_de300000_demo-admin-key-do-not-use-in-production-000",
  customerSecret: "dlgate-demo-customer-secret-do-not-use",
  customer: "demo-customer",
  storefrontKey: "pk_storefront_demo_do_not_use",
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
    // Every compatibility profile is on for the demo (docs/PROFILES.md).
    settings: {
      customer_auth: { mode: "jwt", cookie: "dlg_customer" },
      profiles: [
        "digital-downloads",
        "customer-downloadable-products",
        "customer-account-orders",
        "storefront-digitals",
        "merchello-downloads",
      ],
      storefront_key: DEMO.storefrontKey,
    },
    // DEMO_ORIGIN=http://127.0.0.1:9000 npm start: unmatched paths are proxied there.
    originUrl: process.env.DEMO_ORIGIN ?? null,
    keys: [{ kid: DEMO.kid, secret: DEMO.secret }],
  });
  await upsertAdminKey(env, { tenant: DEMO.tenant, key: DEMO.adminKey, name: "demo" });
  await setCustomerSecret(env, masterKey, { tenant: DEMO.tenant, secret: DEMO.customerSecret });
});

console.log("• starting wrangler dev…");
const gateway = await startWranglerDev({ port, inheritOutput: true });
const base = gateway.baseUrl;
const admin = { Authorization: `Bearer ${DEMO.adminKey}`, "Content-Type": "application/json" };

// The demo order goes through the real issuer API, as a store's back end would do it
// (an error answer has none of the view's fields, hence Partial).
await fetch(`${base}/admin/v1/files/${DEMO.fileId}`, {
  method: "PUT",
  headers: { ...admin, "Content-Type": "application/pdf", "X-File-Name": encodeURIComponent(DEMO.fileName) },
  body: demoPdf([
    "Welcome to dlgate",
    "This file was delivered through a signed, counted download link.",
    "Try: curl -C - to resume, or download it again until the limit is reached.",
  ]),
});
const order = await fetch(`${base}/admin/v1/orders`, {
  method: "POST",
  headers: admin,
  body: JSON.stringify({
    order_number: "DEMO-1001",
    customer_id: DEMO.customer,
    items: [
      {
        product: { id: "guide", name: "The dlgate Guide", slug: "dlgate-guide" },
        file_ids: [DEMO.fileId],
        grant: { download_limit: 5, expires_in_days: 30 },
      },
    ],
  } satisfies z.input<typeof createOrderSchema>),
}).then((r) => r.json<Partial<OrderView>>());
const orderUrl = order.items?.[0]?.files?.[0]?.download_url;
const orderToken = orderUrl?.split("/downloads/")[1] ?? "<token>";

const token = await signDownloadToken(
  { tenant: DEMO.tenant, link: `demo-${Date.now().toString(36)}`, file: DEMO.fileId, limit: 5, expires: "7d" },
  { kid: DEMO.kid, secret: DEMO.secret },
);
const url = downloadUrl(base, token);
const customerToken = await new SignJWT({})
  .setProtectedHeader({ alg: "HS256" })
  .setSubject(DEMO.customer)
  .setExpirationTime("30d")
  .sign(new TextEncoder().encode(DEMO.customerSecret));

console.log(`
dlgate is running at ${base}

  A download link signed by hand (5 downloads, 7 days):
    ${url}

    curl -OJ '${url}'
    curl '${url}/info'

  The demo order DEMO-1001, created through the issuer API:
    ${orderUrl ?? "(order creation failed — see the log above)"}

  Issuer API (admin key of tenant "demo"):
    curl -H 'Authorization: Bearer ${DEMO.adminKey}' ${base}/admin/v1/orders/DEMO-1001
  Operator API (local operator secret):
    curl -H 'Authorization: Bearer ${LOCAL_OPERATOR_SECRET}' ${base}/admin/v1/tenants
  The customer's downloads (customer JWT for "${DEMO.customer}"):
    curl -H 'Authorization: Bearer ${customerToken}' ${base}/my/downloads

  Compatibility profiles (docs/PROFILES.md), all enabled for the demo store:
    curl -H 'X-STOREFRONT-KEY: ${DEMO.storefrontKey}' -H 'Authorization: Bearer ${customerToken}' ${base}/api/shop/customer-downloadable-products
    curl '${base}/api/v2/customer-account-orders?id=${order.access_key ?? "<access key>"}'
    curl -OJ '${base}/api/v2/storefront/digitals/${orderToken}'
    curl -H 'Authorization: Bearer ${customerToken}' ${base}/api/merchello/downloads/customer
    curl -H 'Authorization: Bearer ${customerToken}' ${base}/api/merchello/downloads/invoice/DEMO-1001
    curl -OJ -H 'Authorization: Bearer ${customerToken}' ${base}/api/merchello/downloads/${orderToken}
${process.env.DEMO_ORIGIN ? `  Every other path is proxied to ${process.env.DEMO_ORIGIN}.\n` : "  (DEMO_ORIGIN=http://127.0.0.1:9000 npm start proxies every other path to that origin.)\n"}
  Sign your own link:
    npx dlgate sign --tenant ${DEMO.tenant} --kid ${DEMO.kid} --secret ${DEMO.secret} --link my-link --file ${DEMO.fileId} --limit 3

Press Ctrl+C to stop.
`);
const stop = () => {
  gateway.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
gateway.child.on("exit", (code) => process.exit(code ?? 0));
