import { SECURITY_HEADERS } from "../http/securityHeaders.ts";
import { html } from "../pages/html.ts";
import type { OrderEvidence } from "./orderEvidence.ts";

const STYLE = `
body{font:13px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;color:#111;margin:2rem;max-width:80rem}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:1.6rem 0 .4rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#eee}td.n{text-align:right;white-space:nowrap}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
.muted{color:#555}dl{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:0}dt{font-weight:600}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
`.replace(/\n/g, "");

const bytes = (n: number | null) => (n === null ? "—" : n.toLocaleString("en-US"));
const text = (value: string | null) => value ?? "—";

type PerFile = OrderEvidence["totals"]["per_file"][number];
type BoughtFile = OrderEvidence["items"][number]["files"][number];

/** What became of the file since its deliveries, in words; nothing when it is unchanged. */
function fileStatusNote(file: BoughtFile) {
  if (file.file_status === "deleted") return html`<br /><span class="muted">Deleted since; no longer stored.</span>`;
  if (file.file_status === "replaced")
    return html`<br /><span class="muted"
        >Replaced after a delivery${file.uploaded_at && html` (uploaded again ${file.uploaded_at})`}: name, size and
        SHA-256 are the current version's.</span
      >`;
  return "";
}

/** Whether the file was received in full, and what could not be judged. */
function receivedNote(perFile: PerFile | undefined) {
  if (!perFile) return "—";
  const unjudged =
    perFile.earlier_version_ranges > 0 &&
    html` <span class="muted"
      >(${perFile.earlier_version_ranges} range${perFile.earlier_version_ranges === 1 ? "" : "s"} of an earlier version
      not judged)</span
    >`;
  return perFile.fully_delivered ? "yes" : html`no${unjudged}`;
}

/**
 * The order's evidence as a printable page (a store attaches it to a chargeback response):
 * what was bought, each request with its facts, totals. Every value is escaped; nothing is
 * loaded from elsewhere.
 */
export function evidencePage(evidence: OrderEvidence, storeName: string): Response {
  const { order, totals } = evidence;
  const perFile = new Map(totals.per_file.map((f) => [f.link_id, f]));
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="robots" content="noindex,nofollow" />
        <title>Download evidence · order ${order.order_number} · ${storeName}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <h1>Download evidence for order ${order.order_number}</h1>
        <p class="muted">${storeName} · generated ${evidence.generated_at} · times in UTC</p>
        <dl>
          <dt>Customer</dt>
          <dd>${order.customer_id}</dd>
          <dt>Order status</dt>
          <dd>${order.status}</dd>
          <dt>Purchased at</dt>
          <dd>${order.purchased_at}</dd>
        </dl>

        <h2>What was bought</h2>
        <table>
          <tr>
            <th>Product</th>
            <th>File</th>
            <th>Size (bytes)</th>
            <th>SHA-256</th>
            <th>Downloads counted</th>
            <th>Received in full</th>
          </tr>
          ${evidence.items.flatMap((item) =>
            item.files.map(
              (file) =>
                html`<tr>
                  <td>${item.product.name}${item.product.variant_name && html` (${item.product.variant_name})`}</td>
                  <td>${text(file.name)} <span class="muted mono">${file.file_id}</span>${fileStatusNote(file)}</td>
                  <td class="n">${bytes(file.size)}</td>
                  <td class="mono">${text(file.sha256)}</td>
                  <td class="n">
                    ${file.download_count}${file.download_limit !== null && ` of ${file.download_limit}`}
                  </td>
                  <td>${receivedNote(perFile.get(file.link_id))}</td>
                </tr>`,
            ),
          )}
        </table>

        <h2>Totals</h2>
        <dl>
          <dt>Complete downloads</dt>
          <dd>${totals.completed_downloads} (whole file written to the end)</dd>
          <dt>Counted downloads</dt>
          <dd>${totals.counted_downloads}</dd>
          <dt>Bytes delivered</dt>
          <dd>${bytes(totals.bytes_delivered)}</dd>
          <dt>Files received in full</dt>
          <dd>${totals.files_fully_delivered} of ${totals.files}</dd>
          <dt>First / last delivery</dt>
          <dd>${text(totals.first_download_at)} / ${text(totals.last_download_at)}</dd>
          <dt>Requests logged</dt>
          <dd>${totals.requests}${evidence.truncated && " (only the first ones are shown)"}</dd>
        </dl>

        <h2>Every request</h2>
        <table>
          <tr>
            <th>Time (UTC)</th>
            <th>File</th>
            <th>IP</th>
            <th>Country</th>
            <th>User agent</th>
            <th>Range</th>
            <th>Status</th>
            <th>Bytes sent of size</th>
            <th>Outcome</th>
            <th>Counted</th>
          </tr>
          ${evidence.downloads.map(
            (d) =>
              html`<tr>
                <td class="mono">${d.at}</td>
                <td>
                  ${text(d.file_name ?? d.file_id)}${
                    d.file_version === "earlier" && html` <span class="muted">(earlier version)</span>`
                  }
                </td>
                <td class="mono">${text(d.ip)}</td>
                <td>${text(d.country)}</td>
                <td class="mono">${text(d.user_agent)}</td>
                <td class="mono">${text(d.range)}</td>
                <td class="n">${d.status}${d.error && html` <span class="muted">${d.error}</span>`}</td>
                <td class="n">${bytes(d.bytes_sent)} of ${bytes(d.file_size)}</td>
                <td>${text(d.outcome)}</td>
                <td>${d.counted ? "yes" : html`no${d.reason && html` <span class="muted">(${d.reason})</span>`}`}</td>
              </tr>`,
          )}
        </table>
      </body>
    </html>`;
  return new Response(page.value, {
    headers: {
      ...SECURITY_HEADERS,
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy":
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
      Vary: "Accept",
    },
  });
}
