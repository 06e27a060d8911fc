import { orderPageEndpoint } from "./orderPage.ts";

/** `HEAD /o/<access key>`: the page's status and headers (a link checker's request). */
export const orderPageHeaders = orderPageEndpoint("head", "orderPageHeaders", "The page's headers");
