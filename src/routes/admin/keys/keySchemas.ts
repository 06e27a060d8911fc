import { z } from "zod";
import { ed25519KeyFlaw } from "../../../token/ed25519KeyFlaw.ts";
import { listOf } from "../adminSchemas.ts";

/** The signing keys' id form and answers (this folder); tenants/createTenant.ts answers one too. */

/** `.` and `..` are refused: as a path segment (`DELETE /keys/..`) they never reach the key, so it could not be retired. */
export const kidSchema = z
  .string()
  .regex(/^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/, "letters, digits, '_', '.', '-', 1–64; not '.' or '..'");

/** An Ed25519 public key's `x` (base64url, 32 bytes) that only its private key can sign for. */
export const ed25519PublicKeyX = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, "32 bytes, base64url without padding")
  .superRefine((x, context) => {
    const flaw = ed25519KeyFlaw(x);
    if (flaw) context.addIssue({ code: "custom", message: flaw });
  });

export const signingKeySchema = z
  .object({
    kid: z.string(),
    alg: z.enum(["HS256", "EdDSA"]),
    status: z.enum(["active", "retired"]),
    created_at: z.iso.datetime(),
    retired_at: z.iso.datetime().nullable(),
    /** Only in the answer that creates an HS256 key: the secret, base64url. Never shown again. */
    secret: z.string().optional(),
  })
  .meta({ id: "SigningKey" });

export const signingKeyListSchema = listOf(signingKeySchema).meta({ id: "SigningKeyList" });
