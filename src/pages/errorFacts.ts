import type { HttpError } from "../http/HttpError.ts";

/** What the gateway knew when it refused, for the page to say ("used 3 of 3"). */
export interface ErrorFacts {
  used?: { count: number; limit: number };
  /** For `suspended`: the order is held for review, or the link is blocked for suspected sharing. */
  suspension?: Suspension;
}

export type Suspension = "order_held" | "sharing";

const factsByError = new WeakMap<HttpError, ErrorFacts>();

/** Attaches facts to an error on its way to the error boundary; returns the error. */
export function withFacts(error: HttpError, facts: ErrorFacts): HttpError {
  factsByError.set(error, { ...factsByError.get(error), ...facts });
  return error;
}

export function factsOf(error: HttpError): ErrorFacts {
  return factsByError.get(error) ?? {};
}
