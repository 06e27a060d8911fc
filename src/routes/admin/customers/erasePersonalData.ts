import { z } from "zod";
import { erasePersonalData as erase } from "../../../events/erasePersonalData.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { customerParams } from "./customerParams.ts";

export const erasureSchema = z
  .object({
    customer_id: z.string().meta({ description: "the id that was erased" }),
    pseudonym: z.string().meta({ description: "what orders and links now name instead (erased-…)" }),
    erased: z.object({
      log_rows: z
        .number()
        .int()
        .meta({ description: "log rows whose ip, user agent, country and device were cleared" }),
      orders: z.number().int(),
      links: z.number().int(),
      dead_letters: z
        .number()
        .int()
        .meta({ description: "webhook dead letters whose ip, user agent, country and customer id were cleared" }),
      link_objects: z
        .object({
          devices: z.number().int().meta({ description: "device ids replaced by random ones (limits stay as used)" }),
          stored_tokens: z
            .number()
            .int()
            .meta({ description: "links whose remembered token named the customer (sub), now the pseudonym" }),
          pending_events: z
            .number()
            .int()
            .meta({ description: "events not yet in the log, cleared before they reach it" }),
        })
        .meta({ description: "what the customer's links' Durable Objects held, summed over the links" }),
    }),
  })
  .meta({ id: "Erasure" });

/**
 * `DELETE /admin/v1/customers/:id/personal-data` (GDPR erasure): clears the personal data
 * of the customer's log rows and links' Durable Objects and replaces the customer id by a
 * pseudonym, keeping counts, link state and what was bought (src/events/erasePersonalData.ts
 * says exactly what).
 */
export const erasePersonalData = defineEndpoint({
  method: "delete",
  path: "/customers/:id/personal-data",
  access: "admin",
  operationId: "erasePersonalData",
  tags: ["Issuer: privacy"],
  summary: "Erase a customer's personal data from the log and the links; counts and link state are kept",
  params: customerParams,
  // A field sent along (`{"keep_log": true}`) is refused, not ignored: erasure is not undone.
  body: "none",
  responses: { 200: { description: "What was erased", schema: erasureSchema } },
  errors: ["not_found"],
  async handle({ env, tenant, params }) {
    const done = await erase(env, tenant.id, params.id);
    if (!done) throw new HttpError("not_found", `No order or link names the customer ${JSON.stringify(params.id)}.`);
    return json({
      customer_id: params.id,
      pseudonym: done.pseudonym,
      erased: {
        log_rows: done.logRows,
        orders: done.orders,
        links: done.links,
        dead_letters: done.deadLetters,
        link_objects: {
          devices: done.linkObjects.devices,
          stored_tokens: done.linkObjects.storedTokens,
          pending_events: done.linkObjects.pendingEvents,
        },
      },
    });
  },
});
