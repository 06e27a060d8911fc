import { mirrorLinkState } from "../db/mirrorLinkState.ts";
import type { Env } from "../env.ts";
import { linkStub } from "../links/linkStub.ts";
import type { LinkSnapshot } from "../links/linkTypes.ts";

/** Link objects told at once (an order has at most 500 links, MAX_LINKS_PER_ORDER). */
const TELL_AT_ONCE = 50;

/**
 * Tells each of an order's link objects a change (`tell`), TELL_AT_ONCE at a time, and
 * writes each object's new state to D1's listing copy with its version: the answer then
 * shows each link as its object holds it, and a copy of an older state still on its way
 * (a download's log batch) can no longer undo the change.
 */
export async function tellEachLink(
  env: Env,
  tenantId: string,
  ids: readonly string[],
  tell: (link: ReturnType<typeof linkStub>) => Promise<LinkSnapshot>,
): Promise<void> {
  for (let i = 0; i < ids.length; i += TELL_AT_ONCE) {
    const chunk = ids.slice(i, i + TELL_AT_ONCE);
    const states = await Promise.all(chunk.map((id) => tell(linkStub(env, tenantId, id))));
    const mirrors = states.map((state, j) => mirrorLinkState(env.DB, { tenantId, linkId: chunk[j] as string, state }));
    if (mirrors.length > 0) await env.DB.batch(mirrors);
  }
}
