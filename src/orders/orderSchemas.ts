import { z } from "zod";
import { addressOrCidr } from "../token/claims.ts";

export const fileIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "letters, digits, '_' and '-', 1–128");
export const orderNumberSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^/?#\s]+$/, "no '/', '?', '#' or spaces");

/** What a purchase grants for each file of an item. */
export const grantSchema = z
  .object({
    download_limit: z.number().int().min(1).nullable().optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
    expires_in_days: z.number().int().min(1).max(36500).optional(),
    ip_restriction: z.array(addressOrCidr).min(1).max(64).optional(),
    device_limit: z.number().int().min(1).max(1000).optional(),
    require_login: z.boolean().default(false),
  })
  .refine((g) => !(g.expires_at && g.expires_in_days), {
    message: "give expires_at or expires_in_days, not both",
    path: ["expires_at"],
  })
  .meta({ id: "Grant" });

const idLike = z.union([z.string().min(1).max(128), z.number().int()]).transform(String);

export const orderItemSchema = z.object({
  product: z.object({
    id: idLike,
    name: z.string().min(1).max(300),
    slug: z.string().max(300).optional(),
    variant_name: z.string().max(300).optional(),
    sku: z.string().max(128).optional(),
    vendor: z.string().max(300).optional(),
    tags: z.array(z.string().max(100)).max(50).default([]),
  }),
  file_ids: z.array(fileIdSchema).min(1).max(50),
  grant: grantSchema.default({ require_login: false }),
});

export const createOrderSchema = z
  .object({
    order_number: orderNumberSchema,
    customer_id: z.string().min(1).max(256),
    status: z.enum(["pending", "complete"]).default("complete"),
    purchased_at: z.iso.datetime({ offset: true }).optional(),
    items: z.array(orderItemSchema).min(1).max(100),
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
  status: z.enum(["available", "pending", "expired", "exhausted", "revoked"]),
});

export const orderViewSchema = z
  .object({
    order_number: z.string(),
    customer_id: z.string(),
    status: z.enum(["pending", "complete", "canceled"]),
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
        status: z.enum(["pending", "complete", "canceled"]),
      }),
    ),
  })
  .meta({ id: "DownloadsListing" });

export type DownloadsListing = z.infer<typeof downloadsListingSchema>;
