import { LINK_STATUSES } from "../policy/linkFigures.ts";
import { z } from "zod";
import { singleLine } from "../http/textInput.ts";
import { addressOrCidr, MAX_COUNT, MAX_NUMERIC_DATE } from "../token/claims.ts";
import { countryList } from "../token/countryCodes.ts";
import { isDistinct } from "../utils/isDistinct.ts";

export const fileIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "letters, digits, '_' and '-', 1–128");

/**
 * What a new order number may be: 1–64 characters that a URL path segment may hold as they
 * are (RFC 3986 `pchar` without `%`: letters, digits and `- . _ ~ ! $ & ' ( ) * + , ; = : @`),
 * other than the dot segments `.` and `..`. Such a number is addressable as one segment of
 * `/orders/:orderNumber/downloads` and `/admin/v1/orders/:number` whether or not the client
 * percent-encodes it. Everything else could be stored but not always read back: URL parsers
 * remove `.` and `..` (also as `%2E`), `/` and `\` split the path (and the router refuses
 * their encoded forms), `? #` and spaces end it unless encoded, a bare `%` is malformed,
 * and non-ASCII or control characters depend on the client encoding them.
 */
export const ORDER_NUMBER_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._~!$&'()*+,;=:@-]{1,64}$/;

const ORDER_NUMBER_RULE = "1–64 of A–Z a–z 0–9 - . _ ~ ! $ & ' ( ) * + , ; = : @, and not . or ..";

export const newOrderNumberSchema = z
  .string()
  .regex(ORDER_NUMBER_PATTERN, ORDER_NUMBER_RULE)
  .meta({ description: `Order number: ${ORDER_NUMBER_RULE} (one URL path segment, no encoding needed)` });

/**
 * An order number read from a path: looser than `newOrderNumberSchema`, so that orders
 * stored before it (any text without `/ ? #` or spaces) can still be found.
 */
export const orderNumberSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^/?#\s]+$/, "no '/', '?', '#' or spaces");

/**
 * The bounds of the token's claims (src/token/claims.ts), applied where the store sets the
 * values: a grant or override the API accepts must sign into a URL the gateway verifies and
 * show as an ordinary ISO date, so counts are at most 2^31 − 1 and instants lie between
 * 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z (after the offset is applied:
 * "9999-12-31T23:59:59-23:59" is year 10000 in UTC).
 */
export const countSchema = z.number().int().min(1).max(MAX_COUNT);

const DATE_RANGE = "between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z (UTC, offset applied)";

/** Unix seconds of an ISO date-time that `z.iso.datetime` accepted. */
export function secondsOf(value: string): number {
  return Math.floor(Date.parse(value) / 1000);
}

export const boundedDateTimeSchema = z.iso.datetime({ offset: true }).refine((value) => {
  const seconds = secondsOf(value);
  return seconds >= 0 && seconds <= MAX_NUMERIC_DATE;
}, `must be ${DATE_RANGE}`);

/** What a purchase grants for each file of an item. */
export const grantSchema = z
  .strictObject({
    download_limit: countSchema.nullable().optional(),
    expires_at: boundedDateTimeSchema.optional(),
    expires_in_days: z.number().int().min(1).max(36500).optional(),
    ip_restriction: z.array(addressOrCidr).min(1).max(64).optional(),
    device_limit: z.number().int().min(1).max(1000).optional(),
    require_login: z.boolean().default(false),
    allowed_countries: countryList.optional().meta({
      description: "only from these countries (ISO 3166-1 alpha-2, upper case); an unknown country is refused",
    }),
    blocked_countries: countryList.optional().meta({
      description: "never from these countries; an unknown country is let through",
    }),
  })
  .refine((g) => !(g.expires_at && g.expires_in_days), {
    message: "give expires_at or expires_in_days, not both",
    path: ["expires_at"],
  })
  .refine((g) => !g.allowed_countries?.some((c) => g.blocked_countries?.includes(c)), {
    message: "a country cannot be both allowed and blocked",
    path: ["blocked_countries"],
  })
  .meta({ id: "Grant" });

const idLike = z.union([singleLine(1, 128), z.number().int()]).transform(String);

export const orderItemSchema = z.strictObject({
  product: z.strictObject({
    id: idLike,
    name: singleLine(1, 300),
    slug: singleLine(0, 300).optional(),
    variant_name: singleLine(0, 300).optional(),
    sku: singleLine(0, 128).optional(),
    vendor: singleLine(0, 300).optional(),
    tags: z.array(singleLine(0, 100)).max(50).default([]),
  }),
  // One link per file of an item: a file listed twice would give the customer two links to it.
  file_ids: z.array(fileIdSchema).min(1).max(50).refine(isDistinct, "a file is listed twice"),
  grant: grantSchema.default({ require_login: false }),
});

/**
 * Links one order may have. Cancelling, holding and releasing an order tell each of its
 * links' Durable Objects within one request, and a Worker request may make at most 1,000
 * subrequests (each object call is one): 500 leaves room for the D1 statements around them.
 */
export const MAX_LINKS_PER_ORDER = 500;

export const createOrderSchema = z
  .strictObject({
    order_number: newOrderNumberSchema,
    customer_id: singleLine(1, 256),
    status: z.enum(["pending", "complete"]).default("complete"),
    purchased_at: boundedDateTimeSchema.optional(),
    items: z.array(orderItemSchema).min(1).max(100),
  })
  .superRefine((order, context) => {
    const links = order.items.reduce((sum, item) => sum + item.file_ids.length, 0);
    if (links > MAX_LINKS_PER_ORDER) {
      context.addIssue({
        code: "custom",
        path: ["items"],
        message: `at most ${MAX_LINKS_PER_ORDER} links per order (one per item × file), this order has ${links}`,
      });
    }
    // A relative expiry counts from purchased_at: one that ends past year 9999 could not be
    // signed into a verifiable token (from "now", 36,500 days never gets there).
    if (order.purchased_at === undefined) return;
    const purchasedAt = secondsOf(order.purchased_at);
    order.items.forEach((item, index) => {
      const days = item.grant.expires_in_days;
      if (days !== undefined && purchasedAt + days * 86_400 > MAX_NUMERIC_DATE) {
        context.addIssue({
          code: "custom",
          path: ["items", index, "grant", "expires_in_days"],
          message: `purchased_at plus expires_in_days must end ${DATE_RANGE}`,
        });
      }
    });
  })
  .meta({ id: "CreateOrder" });

export type CreateOrder = z.infer<typeof createOrderSchema>;

const linkFileSchema = z.object({
  id: z.string().meta({ description: "file id" }),
  name: z.string(),
  size: z.number().int().nullable(),
  link_id: z.string(),
  download_url: z
    .string()
    .nullable()
    .meta({ description: "freshly signed; null while the order is pending or the link unusable" }),
  download_count: z.number().int(),
  download_limit: z.number().int().nullable(),
  remaining_downloads: z.number().int().nullable(),
  expires_at: z.iso.datetime().nullable(),
  is_expired: z.boolean(),
  status: z.enum(LINK_STATUSES).meta({
    description:
      "`suspended`: its order is held for review, or the link is blocked for suspected sharing; " +
      "`removed`: the store deleted the file (`not_yet_valid` is /info's only: these links have no nbf)",
  }),
});

export const orderViewSchema = z
  .object({
    order_number: z.string(),
    customer_id: z.string(),
    status: z.enum(["pending", "complete", "canceled", "held"]),
    hold: z
      .object({ reason: z.string(), held_at: z.iso.datetime() })
      .nullable()
      .meta({
        description:
          "set while the order is held for review (status `held`), and kept as the record of that review " +
          "when a held order is canceled; null otherwise",
      }),
    purchased_at: z.iso.datetime(),
    access_key: z.string(),
    items: z.array(
      z.object({
        id: z.string(),
        product: z.object({
          id: z.string(),
          name: z.string(),
          slug: z.string().nullable(),
          variant_name: z.string().nullable(),
          sku: z.string().nullable(),
          vendor: z.string().nullable(),
          tags: z.array(z.string()),
        }),
        files: z.array(linkFileSchema),
      }),
    ),
  })
  .meta({ id: "Order" });

export type OrderView = z.infer<typeof orderViewSchema>;

/** Seed 000's "my downloads" entry, extended with remaining_downloads, is_expired and status. */
export const downloadsListingSchema = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        product: z.object({ id: z.string(), name: z.string(), slug: z.string().nullable() }),
        files: z.array(linkFileSchema.omit({ link_id: true })),
        order_number: z.string(),
        purchased_at: z.iso.datetime(),
        status: z.enum(["pending", "complete", "canceled", "held"]),
      }),
    ),
    next_cursor: z
      .string()
      .nullable()
      .optional()
      .meta({ description: "Only with `?limit=` or `?cursor=`: the next page's cursor, null on the last page" }),
  })
  .meta({ id: "DownloadsListing" });

export type DownloadsListing = z.infer<typeof downloadsListingSchema>;
