import { z } from "zod";
import { linkIdSchema } from "../../../token/claims.ts";

/**
 * `/links/:id`: the link id is the token's `lid`, the store's choice within the claim's
 * characters; anything else can name no link, so it is a 400 naming `id`, not a 404.
 */
export const linkParams = z.strictObject({ id: linkIdSchema.meta({ description: "Link id (the token's lid)" }) });
