import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env.ts";
import { HttpError } from "../http/HttpError.ts";
import { json } from "../http/json.ts";
import { linkBaseUrl } from "../links/mintDownloadUrl.ts";
import type { Tenant } from "../tenants/loadTenant.ts";
import { loadOrderLinks } from "./orderRows.ts";
import { orderViews } from "./orderViews.ts";

/** The issuer API's answer about one order: its view as it is now, with freshly signed URLs. */
export async function orderAnswer(env: Env, tenant: Tenant, request: Request, orderNumber: string): Promise<Response> {
  const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { orderNumber });
  const [view] = await orderViews(tenant, linkBaseUrl(tenant, request), rows);
  if (!view) throw new HttpError("not_found", `There is no order ${JSON.stringify(orderNumber)}.`);
  return json(view);
}
