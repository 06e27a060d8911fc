import { z } from "zod";

/** `/links/:id`: the link id is the token's `lid`, any string the store chose. */
export const linkParams = z.strictObject({ id: z.string().meta({ description: "Link id (the token's lid)" }) });
