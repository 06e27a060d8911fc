/**
 * The outsider campaign's shared part (issue 8 §7): one seed, run counts that stay small in
 * `npm test` and grow under `npm run fuzz` (FUZZ_RUNS, see vitest.fuzz.config.ts), a tally
 * of cases and statuses per property, and the docs/CONTRACT.md §7 checks every answer must pass.
 */
import fc from "fast-check";
import { afterAll, expect, inject } from "vitest";
import { ERROR_STATUS } from "../../src/http/HttpError.ts";
import type { ErrorBody } from "../helpers/answers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Runs per property under `npm run fuzz`; absent in `npm test`. */
    fuzzRuns?: number;
    fuzzSeed?: number;
  }
}

const fuzzRuns = inject("fuzzRuns");
/** True under `npm run fuzz`. */
export const FUZZING = fuzzRuns !== undefined;
/** One seed for the whole campaign, so a failure in CI replays exactly (FUZZ_SEED changes it). */
export const SEED = inject("fuzzSeed") ?? 0x8_2026;

/** About how many cases the whole campaign runs in `npm test` (the sum of the properties' `ci`). */
const CI_CASES = 500;

/**
 * The property's run count: `ci` in `npm test`; under `npm run fuzz`, FUZZ_RUNS is the
 * campaign's total and each property gets the share its `ci` has of the CI total, so the
 * expensive stateful properties keep their small share and the cheap ones run most.
 */
export function runs(ci: number): number {
  return fuzzRuns === undefined ? ci : Math.max(ci, Math.round((ci * fuzzRuns) / CI_CASES));
}

interface Tally {
  cases: number;
  statuses: Map<string, number>;
}
const tallies = new Map<string, Tally>();

function tallyOf(property: string): Tally {
  let tally = tallies.get(property);
  if (!tally) {
    tally = { cases: 0, statuses: new Map() };
    tallies.set(property, tally);
  }
  return tally;
}

/** Counts one answer of a property under its status (and error code). */
export function record(property: string, status: number, code?: string): void {
  const key = code ? `${status} ${code}` : String(status);
  const statuses = tallyOf(property).statuses;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
}

/** Runs an async property with the campaign's seed and run count, counting its cases. */
export async function check<T>(
  property: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  ciRuns: number,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      tallyOf(property).cases += 1;
      await predicate(value);
    }),
    { seed: SEED, numRuns: runs(ciRuns) },
  );
}

// Under `npm run fuzz`, each file prints what it ran: the README's totals come from here.
afterAll(() => {
  if (!FUZZING) return;
  for (const [property, tally] of tallies) {
    const statuses = [...tally.statuses.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status}: ${n}`)
      .join(", ");
    const answers = [...tally.statuses.values()].reduce((a, b) => a + b, 0);
    const cases = tally.cases > 0 ? `${tally.cases} cases, ` : "";
    console.log(`[campaign] ${property} | ${cases}${answers} answers | ${statuses}`);
  }
});

export interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The JSON error body, for an error answered as JSON (its shape is checked by `answer`). */
  error?: ErrorBody;
}

const ERROR_KEYS = new Set(["error", "message", "details"]);

/**
 * Reads an answer to the end and checks what docs/CONTRACT.md §7 promises of every answer: never
 * a 5xx; an error is `{error, message}` (+ `details` for bad_request) with the status its
 * code maps to, or an HTML page for a browser; the headers its status requires.
 */
export async function answer(property: string, response: Response, method = "GET"): Promise<Answer> {
  const body = new Uint8Array(await response.arrayBuffer());
  const { status, headers } = response;
  const result: Answer = { status, headers, body };
  expect(status, `a 5xx (${status}): ${new TextDecoder().decode(body).slice(0, 300)}`).toBeLessThan(500);
  if (status >= 400) {
    expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
    if (status === 405) expect(headers.get("Allow")).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
    if (status === 416) expect(headers.get("Content-Range")).toMatch(/^bytes \*\/\d+$/);
    if (status === 429) expect(headers.get("Retry-After")).toMatch(/^\d+$/);
    const type = headers.get("Content-Type") ?? "";
    if (method === "HEAD") {
      expect(body).toHaveLength(0);
    } else if (type.startsWith("text/html")) {
      expect(new TextDecoder().decode(body)).toContain(`Error ${status}`);
    } else {
      expect(type).toMatch(/^application\/json/);
      const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
      expect(parsed).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
      const error = parsed as ErrorBody;
      for (const key of Object.keys(error)) expect(ERROR_KEYS.has(key), `unexpected error key ${key}`).toBe(true);
      expect(ERROR_STATUS[error.error], `status of ${error.error}`).toBe(status);
      expect(error.message.length).toBeGreaterThan(0);
      if (error.error === "bad_request") {
        expect(Array.isArray(error.details)).toBe(true);
        for (const detail of error.details ?? []) {
          // README "Input is strict" and /openapi.json: `{path, message}`, plus `suggestion`
          // (the field probably meant) for an unknown field when the gateway can tell.
          const shape = { path: expect.any(String), message: expect.any(String) };
          expect(detail).toEqual("suggestion" in detail ? { ...shape, suggestion: expect.any(String) } : shape);
        }
      }
      result.error = error;
    }
  }
  record(property, status, result.error?.error);
  return result;
}
