import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../../env.ts";
import { HttpError } from "../../http/HttpError.ts";
import { enforceAccessKeyLookupLimit } from "../../http/rateLimit.ts";
import { renderError } from "../../http/renderError.ts";
import { assertCanSignForCustomers, linkBaseUrl } from "../../links/mintDownloadUrl.ts";
import { isAccessKey } from "../../listings/accessKey.ts";
import { mintLinkRowUrl } from "../../listings/mintLinkRowUrl.ts";
import { loadOrderLinks, rowFigures } from "../../listings/orderRows.ts";
import { pickLanguage } from "../../pages/i18n.ts";
import { orderPage, type OrderPageFile } from "../../pages/orderPage.ts";
import { storeOf, type PageStore } from "../../pages/store.ts";
import { requestTenant } from "../../tenants/resolveTenant.ts";

function notFound(): HttpError {
  return new HttpError("not_found", "There is no order at this address.");
}

/**
 * `GET /o/<access key>`: the order's hosted downloads page. No login: the unguessable
 * access key is the credential, as in the seed-002 lookup, and like it every lookup
 * spends the client address's LOOKUP_RATE_LIMIT budget before the answer is known (a
 * limit only on misses would tell a guesser which guess hit). Each Download button is a
 * freshly signed link, so the page never shows a stale token; the page is `no-store`.
 * Errors are pages too (404, 429 with Retry-After), since this is a browser's URL.
 */
export async function serveOrderPage(
  request: Request,
  env: Env,
  accessKey: string,
  pathTenant: string | undefined,
): Promise<Response> {
  const headOnly = request.method === "HEAD";
  const lang = pickLanguage(request.headers.get("Accept-Language"));
  let store: PageStore | null = null;
  try {
    // A prefix naming another tenant than the Host's is 404 too: one store's domain never shows another's page.
    const tenant = await requestTenant(env, request, pathTenant);
    if (!tenant) throw notFound();
    store = storeOf(tenant);
    await enforceAccessKeyLookupLimit(env, request);
    if (!isAccessKey(accessKey)) throw notFound();

    const rows = await loadOrderLinks(drizzle(env.DB), tenant.id, { accessKey });
    const order = rows[0]?.order;
    if (!order) throw notFound();
    assertCanSignForCustomers(tenant);
    const baseUrl = await linkBaseUrl(env, tenant, request);
    const now = Date.now();
    const files = await Promise.all(
      rows.map(async (row): Promise<OrderPageFile> => {
        const figures = rowFigures(row, now);
        return {
          name: row.file?.name ?? row.link.fileId,
          product: row.item.productName,
          variant: row.item.variantName,
          size: row.file?.size ?? null,
          status: figures.status,
          remaining: figures.remaining,
          limit: figures.limit,
          expiresAt: figures.expiresAt,
          url: figures.status === "available" ? await mintLinkRowUrl(tenant, baseUrl, row) : null,
        };
      }),
    );
    return orderPage({ lang, store, orderNumber: order.number, orderStatus: order.status, files, headOnly });
  } catch (error) {
    if (error instanceof HttpError) return renderError(error, request, headOnly, { store, html: true });
    throw error;
  }
}
