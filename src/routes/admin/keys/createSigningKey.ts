import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { signingKeys } from "../../../db/schema.ts";
import { defineEndpoint } from "../../../http/endpoint.ts";
import { HttpError } from "../../../http/HttpError.ts";
import { json } from "../../../http/json.ts";
import { forgetTenant } from "../../../tenants/resolveTenant.ts";
import { ed25519PublicKeyX, kidSchema, signingKeySchema } from "./keySchemas.ts";
import { newSigningKey } from "./signingKeyRecord.ts";

export const createSigningKeySchema = z
  .discriminatedUnion("alg", [
    // The gateway makes every HS256 secret itself (32 random bytes): a caller-supplied
    // `secret` is refused like any unknown field, never silently replaced by another one.
    z.strictObject({ alg: z.literal("HS256"), kid: kidSchema.optional() }),
    z.strictObject({
      alg: z.literal("EdDSA"),
      kid: kidSchema.optional(),
      // The public members of an RFC 8037 OKP key as key tools export it; anything else
      // (notably `d`, the private key, which the gateway must never hold) is refused.
      public_jwk: z.strictObject({
        kty: z.literal("OKP"),
        crv: z.literal("Ed25519"),
        x: ed25519PublicKeyX,
        alg: z.literal("EdDSA").optional(),
        use: z.literal("sig").optional(),
        kid: z.string().max(200).optional(),
        key_ops: z.array(z.enum(["verify"])).optional(),
        ext: z.boolean().optional(),
      }),
    }),
  ])
  .meta({ id: "CreateSigningKey" });

/** A new HS256 key (secret shown once) or a registered Ed25519 public key. */
export const createSigningKey = defineEndpoint({
  method: "post",
  path: "/keys",
  access: "admin",
  operationId: "createSigningKey",
  tags: ["Issuer: keys"],
  summary: "A new HS256 key (its secret is in this answer only) or a registered Ed25519 public key",
  description:
    "The gateway generates every HS256 secret (32 random bytes); a `secret` in the body is refused (400), " +
    "since a chosen or reused secret would make every link signed with it forgeable.",
  body: createSigningKeySchema,
  responses: { 201: { description: "Created", schema: signingKeySchema } },
  errors: [],
  async handle({ env, tenant, body }) {
    const db = drizzle(env.DB);
    if (body.kid) {
      const [taken] = await db
        .select()
        .from(signingKeys)
        .where(and(eq(signingKeys.tenantId, tenant.id), eq(signingKeys.kid, body.kid)))
        .limit(1);
      if (taken)
        throw new HttpError("bad_request", "That kid exists already.", {}, [
          { path: "kid", message: "already exists" },
        ]);
    }
    const key = await newSigningKey(env, tenant.id, body);
    await key.statement(db);
    forgetTenant(tenant.id);
    return json(key.view, 201);
  },
});
