import { z } from "zod";

/** Shared answer schemas of the webhook endpoints (README "Webhooks"). */
export const rotatedSecretSchema = z
  .object({
    secret: z.string().meta({ description: "The new `whsec_…` secret. Shown this once; store it now." }),
    created_at: z.iso.datetime(),
    previous_valid_until: z.iso.datetime().nullable().meta({
      description: "Until when the replaced secret still signs every delivery too; null when there was none",
    }),
  })
  .meta({ id: "WebhookSecret" });

export const deadLetterSchema = z
  .object({
    id: z.string(),
    webhook_id: z.string().meta({ description: "The `webhook-id` of every attempt, and of a replay" }),
    type: z.string(),
    payload: z.unknown().meta({ description: "The body that was sent: `{type, timestamp, data}`" }),
    attempts: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Delivery attempts made; 0: the queue refused it; null: the queue gave up on it" }),
    last_status: z.number().int().nullable().meta({ description: "The receiver's last HTTP status; null: no answer" }),
    last_error: z.string().nullable(),
    failed_at: z.iso.datetime(),
    replayed_at: z.iso.datetime().nullable(),
  })
  .meta({ id: "WebhookDeadLetter" });

export const deadLettersPageSchema = z
  .object({
    data: z.array(deadLetterSchema).meta({ description: "newest first" }),
    next_cursor: z.string().nullable().meta({ description: "pass as `cursor` for the next page; null on the last" }),
  })
  .meta({ id: "WebhookDeadLettersPage" });

export const testDeliverySchema = z
  .object({
    delivered: z.boolean(),
    webhook_id: z.string(),
    status: z
      .number()
      .int()
      .nullable()
      .meta({ description: "The receiver's HTTP status; null when it never answered" }),
    error: z.string().nullable(),
  })
  .meta({ id: "WebhookTestDelivery" });
