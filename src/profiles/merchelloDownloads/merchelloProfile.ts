/**
 * Profile `merchello-downloads` (seed 004): a CMS plugin's downloads API under
 * `/api/merchello/downloads` — download by token, the customer's links, an invoice's
 * links — every route behind the customer's sign-in. docs/profiles/merchello-downloads.md.
 */
export const PROFILE = "merchello-downloads";
export const BASE = "/api/merchello/downloads";
