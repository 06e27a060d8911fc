import type { Messages } from "../i18n.ts";
import { plural } from "../plural.ts";

export const en: Messages = {
  backTo: (store) => `Back to ${store}`,
  errorReference: (status, code) => `Error ${status} (${code})`,
  errors: {
    invalid_token: {
      title: "This download link is not valid",
      text: "The link may be incomplete or changed; open it exactly as the store sent it.",
    },
    not_yet_valid: {
      title: "This download is not open yet",
      text: "The store has set a start time for this link that has not come yet.",
    },
    expired: { title: "This download link has expired", text: "Links from this store only work for a limited time." },
    revoked: { title: "This download link is no longer valid", text: "The store has withdrawn it." },
    limit_reached: {
      title: "Download limit reached",
      text: "This file has been downloaded as many times as the purchase allows.",
    },
    ip_not_allowed: {
      title: "Not available from this network",
      text: "This link only works from the network it was issued for.",
    },
    device_limit_reached: {
      title: "Too many devices",
      text: "This link has already been used on as many devices as it allows.",
    },
    pending: { title: "Your order is not paid yet", text: "The download opens as soon as the payment is confirmed." },
    suspended: { title: "This download is on hold", text: "The store has paused this link for a review." },
    country_not_allowed: {
      title: "Not available in your country",
      text: "This file cannot be downloaded from where you are.",
    },
    auth_required: { title: "Please sign in to download", text: "This file belongs to a customer account." },
    forbidden: {
      title: "This belongs to another account",
      text: "You are signed in, but not as the customer who bought this.",
    },
    not_found: { title: "Not found", text: "There is nothing at this address." },
    method_not_allowed: { title: "Not supported", text: "This address cannot be used that way." },
    conflict: { title: "Conflict", text: "The request clashes with data the store already has." },
    precondition_failed: { title: "The file has changed", text: "It is no longer the version your browser asked for." },
    range_not_satisfiable: { title: "Cannot resume this download", text: "The requested part lies outside the file." },
    rate_limited: { title: "Too many requests", text: "Requests from your connection came faster than allowed." },
    bad_request: { title: "Invalid request", text: "Part of the address or the request is not valid." },
    payload_too_large: { title: "Too large", text: "The data sent is over the size limit." },
    origin_error: {
      title: "The store's server did not deliver the file",
      text: "Its answer was incomplete or an error.",
    },
    origin_timeout: { title: "The store's server is not answering", text: "It took too long to respond." },
    unavailable: { title: "Temporarily unavailable", text: "The download service is briefly out of reach." },
  },
  suspension: {
    order_held:
      "Your order is under review by the store. Please contact its support; the download opens again once the review is done.",
    sharing:
      "This link was used from more networks or countries than the store allows, so it has been paused. Please contact the store's support.",
  },
  used: (count, limit) => `You have used ${count} of ${limit} ${plural("en", limit, "download", "downloads")}.`,
  next: {
    signIn: "Sign in with the account you bought it with, then open the link again.",
    signInButton: "Sign in",
    support: "If you need help, contact the store's support.",
    supportButton: "Contact support",
    newLink: "Ask the store for a new download link.",
    pending: "Come back to this link once the store has confirmed your payment.",
    retry: "Please try again in a minute.",
    later: "Please open the link again later.",
  },
  order: {
    title: (number) => `Your downloads for order ${number}`,
    intro: "Each button starts the download of one file.",
    pending: "This order is waiting for payment. The download buttons appear here once it is confirmed.",
    canceled: "This order was canceled, so its files can no longer be downloaded.",
    empty: "This order has no files to download.",
    privacy: "Keep this page's address to yourself: anyone who has it can download these files.",
    download: "Download",
    size: "Size",
    unknownSize: "size not known yet",
    remaining: (left, limit) => `${left} of ${limit} ${plural("en", limit, "download", "downloads")} left`,
    unlimited: "Unlimited downloads",
    until: (date) => `Available until ${date}`,
    noExpiry: "No expiry date",
    status: {
      suspended: "Under review",
      pending: "Waiting for payment",
      expired: "This download has expired",
      exhausted: "All downloads used",
      revoked: "No longer available",
      removed: "The store has removed this file",
      not_yet_valid: "Not available yet",
    },
  },
};
