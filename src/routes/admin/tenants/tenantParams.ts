import { z } from "zod";
import { tenantIdSchema } from "../adminSchemas.ts";

/** `/tenants/:id`: the id the tenant was created with. */
export const tenantParams = z.strictObject({ id: tenantIdSchema });
