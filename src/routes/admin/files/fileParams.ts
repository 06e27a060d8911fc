import { z } from "zod";
import { fileIdSchema } from "../../../orders/orderSchemas.ts";

/** `/files/:fileId`: the id the store chose, as its orders name it in `file_ids`. */
export const fileParams = z.strictObject({ fileId: fileIdSchema });

/** `/files/:fileId/uploads/:uploadId`: a multipart upload, by the id its start call answered. */
export const uploadParams = fileParams.extend({ uploadId: z.string().meta({ description: "From the start call" }) });

/** A bad file id is named `file_id` in `details`, the word of the bodies and answers. */
export const fileParamNames = { fileId: "file_id" };
