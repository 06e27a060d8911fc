import { LINK_STATUSES } from "../../../policy/linkFigures.ts";
import { z } from "zod";
import { isoDate } from "../adminSchemas.ts";

/** The answers of the link endpoints (this folder): one link, a fresh URL, a page of its download log. */

export const linkSchema = z
  .object({
    id: z.string(),
    order_number: z.string(),
    item_id: z.string(),
    file_id: z.string(),
    customer_id: z.string(),
    status: z.enum(LINK_STATUSES),
    download_count: z.number().int().nonnegative(),
    download_limit: z
      .number()
      .int()
      .nullable()
      .meta({ description: "in force (override or grant, plus extra downloads); null = unlimited" }),
    remaining_downloads: z.number().int().nonnegative().nullable(),
    expires_at: isoDate.nullable().meta({ description: "in force (override or grant); null = no expiry" }),
    is_expired: z.boolean(),
    revoked: z.boolean(),
    suspended: z
      .boolean()
      .meta({ description: "blocked: by sharing detection (action block) or by the store; its order's hold aside" }),
    flagged: z
      .object({
        at: isoDate,
        reason: z.enum(["max_networks", "max_countries"]),
        networks: z.number().int().nonnegative(),
        countries: z.number().int().nonnegative(),
        action: z.enum(["flag", "block"]),
      })
      .nullable()
      .meta({
        description:
          "set by sharing detection (tenant setting `sharing`) on the request that crossed a bound, with the distinct networks and countries then; null = not flagged",
      }),
    ip_restriction: z.array(z.string()).nullable(),
    device_limit: z.number().int().nullable(),
    allowed_countries: z.array(z.string()).nullable().meta({ description: "only from these countries; null = any" }),
    blocked_countries: z.array(z.string()).nullable().meta({ description: "never from these countries; null = none" }),
    devices_used: z.number().int().nonnegative(),
    require_login: z.boolean(),
    last_download_at: isoDate.nullable(),
    grant: z
      .object({ download_limit: z.number().int().nullable(), expires_at: isoDate.nullable() })
      .meta({ description: "What the order granted, before the store's overrides" }),
    suppressed: z
      .object({
        preview: z.number().int().nonnegative(),
        scanner: z.number().int().nonnegative(),
        prefetch: z.number().int().nonnegative(),
        confirmation: z.number().int().nonnegative(),
      })
      .meta({
        description:
          "Requests answered without counting, by why: link-preview card, mail-scanner pass, browser prefetch, confirmation page (from the download log)",
      }),
  })
  .meta({ id: "Link" });

export const linkUrlSchema = z
  .object({ link_id: z.string(), download_url: z.string().meta({ description: "freshly signed" }) })
  .meta({ id: "LinkUrl" });

export const downloadEventSchema = z
  .object({
    id: z.string(),
    at: isoDate,
    ip: z
      .string()
      .nullable()
      .meta({ description: "as the tenant's ip_storage kept it: the address, its /24 or /48 network, or null" }),
    user_agent: z.string().nullable(),
    country: z.string().nullable(),
    range: z.string().nullable().meta({ description: "the request's Range header" }),
    status: z.number().int(),
    bytes: z.number().int().nonnegative().meta({ description: "bytes the response promised (Content-Length)" }),
    bytes_sent: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .meta({ description: "bytes written to the client; null while the body still streams" }),
    outcome: z
      .enum(["completed", "aborted"])
      .nullable()
      .meta({ description: "how a response with a body ended; null without a body" }),
    counted: z.boolean(),
    reason: z
      .enum(["resume", "no_body", "prefetch", "preview", "scanner", "confirmation", "refunded"])
      .nullable()
      .meta({ description: "why an answer without error was not counted" }),
    device: z.string().nullable(),
    error: z
      .string()
      .nullable()
      .meta({ description: "error code of a refusal or failure (a deleted file: not_found); null for successes" }),
  })
  .meta({ id: "DownloadEvent" });

export const downloadEventsPageSchema = z
  .object({
    data: z.array(downloadEventSchema).meta({ description: "newest first" }),
    next_cursor: z.string().nullable().meta({ description: "pass as `cursor` for the next page; null on the last" }),
  })
  .meta({ id: "DownloadEventsPage" });
