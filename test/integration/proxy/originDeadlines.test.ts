/**
 * Origins that hang (docs/CONTRACT.md §7 `origin_timeout`, tenant settings `origin_timeout_seconds`
 * and `origin_stall_seconds`): a pull-through origin or a reverse-proxied origin that
 * accepts and never answers, or stops sending halfway. The tenants here allow 1 s, so a
 * test waits about a second for the deadline itself, never for a sleep of its own. The
 * origins are the Worker's outbound fetch, answered here.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pullFromOrigin } from "../../../src/files/pullThrough.ts";
import { forgetTenant } from "../../../src/tenants/resolveTenant.ts";
import { bytesOf, createTenant, fileBytes, gateway, signLink, uid, type TestTenant } from "../../helpers/fixtures.ts";
import { admin, createTenantWithAdminKey, type IssuerTenant } from "../../helpers/issuer.ts";

afterEach(() => vi.restoreAllMocks());

type Origin = (request: Request) => Response | Promise<Response>;

/** The Worker's outbound fetches, answered by whatever `origin.current` is at the time; each URL recorded. */
function switchableOrigin(initial: Origin): { current: Origin; asked: string[] } {
  const state = { current: initial, asked: [] as string[] };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    state.asked.push(request.url);
    return state.current(request);
  });
  return state;
}

/**
 * How long the slow origins below really take. Far past the tenants' 1 s deadlines, and
 * kept as a pending timer so the runtime sees a live connection, not a dead promise
 * (which it would cancel by itself, hiding a missing deadline).
 */
const MUCH_LATER_MS = 20_000;

/** An origin that accepts the request and answers only much later. */
const hangs: Origin = () =>
  new Promise<Response>((resolve) => {
    setTimeout(() => resolve(new Response("too late")), MUCH_LATER_MS);
  });

/** Headers and the first `sent` bytes of `bytes`, then silence; the rest only much later. */
function stallsAfter(bytes: Uint8Array, sent: number): Origin {
  return () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, sent));
          setTimeout(() => {
            try {
              controller.enqueue(bytes.slice(sent));
              controller.close();
            } catch {
              // The gateway gave up on this stream long ago.
            }
          }, MUCH_LATER_MS);
        },
      }),
      { headers: { "Content-Length": String(bytes.byteLength), "Content-Type": "application/octet-stream" } },
    );
}

function serves(bytes: Uint8Array): Origin {
  return () => new Response(bytes, { headers: { "Content-Length": String(bytes.byteLength) } });
}

/** A tenant with 1 s origin deadlines and one pull-through file registered through the admin API. */
async function pullThroughFile(settings: Record<string, unknown> = {}) {
  const tenant: IssuerTenant = await createTenantWithAdminKey({
    settings: { origin_timeout_seconds: 1, origin_stall_seconds: 1, ...settings },
  });
  const fileId = uid("pull");
  const registered = await admin(tenant, "POST", `/files/${fileId}`, {
    json: { source_url: `https://files.origin.example/${fileId}/pack.zip` },
  });
  expect(registered.status).toBe(201);
  const bytes = fileBytes(4096, 21);
  const link = await signLink(tenant, { id: fileId, bytes }, { limit: 3 });
  return { tenant, fileId, bytes, link };
}

async function errorBody(response: Response): Promise<unknown> {
  return { status: response.status, body: await response.json() };
}

describe("pull-through from an origin that hangs", () => {
  it("answers 504 origin_timeout to every waiting download, counts nothing, and pulls afresh once the origin is back", async () => {
    const { tenant, fileId, bytes, link } = await pullThroughFile();
    const origin = switchableOrigin(hangs);
    // Two downloads while the origin hangs: the second joins the first's pull.
    const [first, second] = await Promise.all([
      gateway(tenant, `/downloads/${link.token}`),
      gateway(tenant, `/downloads/${link.token}`),
    ]);
    for (const response of [first, second]) {
      expect(await errorBody(response)).toMatchObject({ status: 504, body: { error: "origin_timeout" } });
    }
    expect(origin.asked).toHaveLength(1);
    expect((await link.stub.snapshot()).count).toBe(0);
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();

    // The origin recovers: the next download starts a fresh pull and gets the file.
    origin.current = serves(bytes);
    const after = await gateway(tenant, `/downloads/${link.token}`);
    expect(after.status).toBe(200);
    expect(await bytesOf(after)).toEqual(bytes);
    expect(origin.asked).toHaveLength(2);
    expect((await link.stub.snapshot()).count).toBe(1);
    const info = await gateway(tenant, `/downloads/${link.token}/info`);
    expect(await info.json()).toMatchObject({ download_count: 1, file_size: 4096 });
  });

  it("answers /info with 504 too while the origin hangs, and counts nothing", async () => {
    const { tenant, link } = await pullThroughFile();
    switchableOrigin(hangs);
    const response = await gateway(tenant, `/downloads/${link.token}/info`);
    expect(await errorBody(response)).toMatchObject({ status: 504, body: { error: "origin_timeout" } });
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("answers 504 origin_timeout when the body stalls halfway, stores nothing, and serves the file once the origin is back", async () => {
    const { tenant, fileId, bytes, link } = await pullThroughFile({ origin_timeout_seconds: 30 });
    const origin = switchableOrigin(stallsAfter(bytes, 1000));
    const stalled = await gateway(tenant, `/downloads/${link.token}`);
    expect(await errorBody(stalled)).toMatchObject({ status: 504, body: { error: "origin_timeout" } });
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
    expect((await link.stub.snapshot()).count).toBe(0);

    origin.current = serves(bytes);
    const after = await gateway(tenant, `/downloads/${link.token}`);
    expect(after.status).toBe(200);
    expect(await bytesOf(after)).toEqual(bytes);
    expect(origin.asked).toHaveLength(2);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("gives up on a pull that went silent outside the origin's deadlines, and the next download pulls afresh", async () => {
    // The origin delivers the whole file at once, then the pull stops making progress where
    // no origin deadline watches it: here R2's put takes the body and never answers (in
    // production, the pull's request context going away stops its timers the same way).
    // Every waiter watches the pull's last sign of life (1 s deadlines + 1 s grace) and
    // gives up with 504, dropping the pull so that the next download starts a new one.
    const { tenant, fileId, bytes } = await pullThroughFile();
    const origin = switchableOrigin(serves(bytes));
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const stuckPut = async (_key: string, body: ReadableStream) => {
      await new Response(body).arrayBuffer();
      return new Promise<never>(() => setTimeout(() => {}, MUCH_LATER_MS));
    };
    const stuckR2 = new Proxy(env.FILES, {
      get: (bucket, name) => (name === "put" ? stuckPut : Reflect.get(bucket, name, bucket)),
    });
    const stuckEnv = { ...env, FILES: stuckR2 };
    const waiters = await Promise.all(
      [1, 2].map(() =>
        pullFromOrigin(stuckEnv, tenant.id, fileId).then(
          () => null,
          (error: unknown) => error,
        ),
      ),
    );
    for (const failure of waiters) expect(failure).toMatchObject({ code: "origin_timeout", status: 504 });
    expect(origin.asked).toHaveLength(1);
    expect(warnings.mock.calls.flat().join(" ")).toContain("the pull went silent");

    // The silent pull was dropped: the next download pulls afresh and gets the file.
    const metadata = await pullFromOrigin(env, tenant.id, fileId);
    expect(metadata).toMatchObject({ size: bytes.byteLength });
    expect(origin.asked).toHaveLength(2);
  });

  it("still answers 502 origin_error (not a timeout) for an origin that fails fast", async () => {
    const { tenant, link } = await pullThroughFile();
    switchableOrigin(() => new Response("down", { status: 503 }));
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(await errorBody(response)).toMatchObject({ status: 502, body: { error: "origin_error" } });
    expect((await link.stub.snapshot()).count).toBe(0);
  });
});

/** A tenant whose storefront is https://origin.example, with 1 s origin deadlines. */
async function proxiedTenant(): Promise<TestTenant> {
  const tenant = await createTenant({ settings: { origin_timeout_seconds: 1, origin_stall_seconds: 1 } });
  await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
    .bind("https://origin.example", tenant.id)
    .run();
  forgetTenant(tenant.id);
  return tenant;
}

describe("reverse proxy to an origin that hangs", () => {
  it("answers 504 origin_timeout when the origin never sends its headers", async () => {
    const tenant = await proxiedTenant();
    const origin = switchableOrigin(hangs);
    const response = await gateway(tenant, "/shop/cart");
    expect(await errorBody(response)).toMatchObject({ status: 504, body: { error: "origin_timeout" } });
    expect(origin.asked).toEqual(["https://origin.example/shop/cart"]);
    // The next request is not stuck behind the first.
    origin.current = () => new Response("cart", { headers: { "Content-Length": "4" } });
    const after = await gateway(tenant, "/shop/cart");
    expect(after.status).toBe(200);
    expect(after.headers.get("Content-Length")).toBe("4");
    expect(await after.text()).toBe("cart");
  });

  it("aborts the response stream when the origin stops sending halfway", async () => {
    const tenant = await proxiedTenant();
    const bytes = fileBytes(5000, 4);
    switchableOrigin(stallsAfter(bytes, 1200));
    const response = await gateway(tenant, "/big.bin");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Length")).toBe("5000");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    const outcome = await (async () => {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return "ended";
        received += chunk.value.byteLength;
      }
    })().catch(() => "aborted");
    expect(outcome).toBe("aborted");
    expect(received).toBeLessThan(5000);
  });

  it("gives a slow upload its time: the headers deadline counts from the last chunk sent", async () => {
    const tenant = await proxiedTenant();
    const received: number[] = [];
    switchableOrigin(async (request) => {
      // Like any origin, it answers an upload only once it has read all of it.
      const body = new Uint8Array(await request.arrayBuffer());
      received.push(body.byteLength);
      return new Response(`stored ${body.byteLength}`, { status: 201 });
    });
    // A client that sends 4 chunks 400 ms apart: 1.6 s in all, past the 1 s deadline.
    const chunk = fileBytes(1000, 6);
    let sent = 0;
    const upload = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 4) return controller.close();
        await scheduler.wait(400);
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await gateway(tenant, "/account/upload", {
      method: "POST",
      body: upload,
      headers: { "Content-Length": "4000", "Content-Type": "application/octet-stream" },
    });
    expect(response.status).toBe(201);
    expect(await response.text()).toBe("stored 4000");
    expect(received).toEqual([4000]);
  });

  it("answers 502 origin_error when the origin cannot be reached", async () => {
    const tenant = await proxiedTenant();
    switchableOrigin(() => {
      throw new TypeError("connection refused");
    });
    const response = await gateway(tenant, "/anything");
    expect(await errorBody(response)).toMatchObject({ status: 502, body: { error: "origin_error" } });
  });
});
