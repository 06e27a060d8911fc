import { describe, expect, it } from "vitest";
import { linkFlaggedEvent } from "../../src/links/linkFlaggedEvent.ts";
import { linkFlaggedPayloadSchema } from "../../src/webhooks/webhookEvents.ts";
import { shownOrderStatus } from "../../src/orders/orderStatus.ts";
import { siteNetwork } from "../../src/policy/clientAddress.ts";
import { parseTenantSettings, tenantSettingsSchema } from "../../src/tenants/tenantSettings.ts";

describe("shownOrderStatus: a hold beside the stored status", () => {
  it("shows held while a hold is set, the stored status otherwise, and canceled above all", () => {
    expect(shownOrderStatus({ status: "complete", heldAt: null })).toBe("complete");
    expect(shownOrderStatus({ status: "complete", heldAt: 1 })).toBe("held");
    expect(shownOrderStatus({ status: "pending", heldAt: 1 })).toBe("held");
    expect(shownOrderStatus({ status: "pending", heldAt: null })).toBe("pending");
    expect(shownOrderStatus({ status: "canceled", heldAt: 1 })).toBe("canceled");
  });
});

describe("siteNetwork: the unit sharing detection counts", () => {
  it("is the /24 of an IPv4 address and the /48 of an IPv6 one, IPv4-mapped folded to IPv4", () => {
    expect(siteNetwork("198.51.100.77")).toBe("198.51.100.0/24");
    expect(siteNetwork("2001:db8:aa:bb::1")).toBe("2001:db8:aa:0:0:0:0:0/48");
    expect(siteNetwork("::ffff:198.51.100.9")).toBe("198.51.100.0/24");
  });

  it("is null without a usable address", () => {
    expect(siteNetwork(null)).toBeNull();
    expect(siteNetwork("not an address")).toBeNull();
  });
});

describe("the sharing setting", () => {
  it("fills the window and the action, and needs at least one bound", () => {
    expect(tenantSettingsSchema.parse({ sharing: { max_networks: 3 } }).sharing).toEqual({
      max_networks: 3,
      window_seconds: 604800,
      action: "flag",
    });
    expect(tenantSettingsSchema.safeParse({ sharing: { action: "block" } }).success).toBe(false);
    expect(tenantSettingsSchema.safeParse({ sharing: { max_networks: 3, max_network: 2 } }).success).toBe(false);
  });

  it("drops a stored sharing setting that is bad, keeping the other settings (tolerant read)", () => {
    const settings = parseTenantSettings(JSON.stringify({ sharing: { max_networks: -1 }, scanner_passes: 4 }));
    expect(settings.sharing).toBeUndefined();
    expect(settings.scanner_passes).toBe(4);
  });
});

describe("linkFlaggedEvent: the webhook link.flagged", () => {
  it("names the link, the order and the figures that crossed the bound, in the payload the webhook declares", () => {
    const at = Date.UTC(2026, 10, 27, 19, 0, 0);
    const event = linkFlaggedEvent(
      { linkId: "l1", orderNumber: "1001" },
      { at, reason: "max_networks", networks: 4, countries: 2, action: "block" },
    );
    expect(event).toEqual({
      type: "link.flagged",
      key: `l1:${at}`,
      at,
      data: {
        link_id: "l1",
        order_number: "1001",
        reason: "max_networks",
        networks: 4,
        countries: 2,
        action: "block",
        at: "2026-11-27T19:00:00.000Z",
      },
    });
    expect(linkFlaggedPayloadSchema.parse(event.data)).toEqual(event.data);
  });
});
