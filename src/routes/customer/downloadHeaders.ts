import { downloadEndpoint } from "./download.ts";

/** `HEAD /downloads/:token`: the GET's status and headers, no body, never counted (docs/CONTRACT.md §6). */
export const downloadHeaders = downloadEndpoint("head", "downloadHeaders", "The download's headers; never counted");
