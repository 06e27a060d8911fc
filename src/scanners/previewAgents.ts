/**
 * Link-preview agents (docs/CONTRACT.md §6 rule 4a): chat apps, social networks and mail clients
 * that fetch a link to draw a card when it is pasted or received. They get a small HTML
 * card with `og:` tags and never the file, so an unfurl does not use up a purchase.
 *
 * A false match would hand a real customer a card instead of the file, so every pattern
 * names the fetcher itself, never an app's in-app browser: LINE's and Facebook's in-app
 * browsers (`Line/…`, `FBAN/…`), the Teams and Slack desktop apps (`Teams/…`, `Slack/…`)
 * and Pinterest's app (`[Pinterest/iOS]`) are real people and do not match.
 * A false negative only means the agent is treated like any other client.
 *
 * Sources: where a vendor documents its agent the comment says so; where the search for a
 * vendor page found nothing, the comment says that too and gives the agent's string as
 * sites observe it.
 */
export interface PreviewAgent {
  /** Family name, for tests and for reading the list. */
  family: string;
  pattern: RegExp;
}

export const PREVIEW_AGENTS: readonly PreviewAgent[] = [
  // Slack: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"; Slack's robots page
  // https://api.slack.com/robots describes it (the string as reported in
  // github.com/JayBizzle/Crawler-Detect/pull/130). `Slackbot 1.0` fetches too.
  { family: "slack", pattern: /\bSlackbot\b/i },
  // X/Twitter cards crawler "Twitterbot/1.0": X documents it in its Cards troubleshooting
  // guide (developer.twitter.com/en/docs/twitter-for-websites/cards/guides/troubleshooting-cards,
  // as linked from https://darkvisitors.com/agents/twitterbot; the guide itself was not in
  // the search corpus).
  { family: "twitter", pattern: /\bTwitterbot\b/i },
  // Meta: "Meta Web Crawlers" (https://developers.facebook.com/docs/sharing/webmasters/crawler/) lists
  // "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)" and
  // "facebookcatalog/1.0" (Facebook, Instagram, Messenger shares); "Facebot" is Meta's older
  // crawler name. Apple Messages (iMessage) previews send "… Safari/601.2.4
  // facebookexternalhit/1.1 Facebot Twitterbot/1.0", LINE "facebookexternalhit/1.1;line-poker/1.0"
  // and KakaoTalk "facebookexternalhit/1.1; kakaotalk-scrap/1.0" (collected in
  // https://pastebin.com/MHLPZCNY), so this entry covers them as well.
  { family: "meta", pattern: /\bfacebookexternalhit\b|\bFacebot\b|\bfacebookcatalog\b/i },
  // Discord: "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)". No Discord
  // page documenting it was found.
  { family: "discord", pattern: /\bDiscordbot\b/i },
  // LinkedIn: "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
  // older "… Jakarta Commons-HttpClient/…" (https://opengraphplus.com/consumers/linkedin/crawling;
  // LinkedIn's own "Make your website shareable" page was not found by the search).
  { family: "linkedin", pattern: /\bLinkedInBot\b/i },
  // WhatsApp draws previews on the sender's phone with "WhatsApp/2.x.y A|i|W". Other
  // fetchers borrow "WhatsApp/2" on purpose: Pleroma's rich-media fetcher (its config sets
  // `user_agent: "WhatsApp/2"`) and, per a public link-preview library's comment, Signal
  // (Signal's own source was not checked). Anchored at the start: only fetchers begin with
  // it. No WhatsApp page documenting the string was found.
  { family: "whatsapp", pattern: /^WhatsApp\/\d/i },
  // Telegram: "TelegramBot (like TwitterBot)". No Telegram page documenting it was found.
  { family: "telegram", pattern: /\bTelegramBot\b/i },
  // Skype and Microsoft Teams unfurls: "SkypeUriPreview Preview/0.5" and
  // "Mozilla/5.0 (compatible; SkypeUriPreview; +https://www.skype.com)"
  // (https://opengraphplus.com/consumers/teams/crawling; no Microsoft page found).
  { family: "skype-teams", pattern: /\bSkypeUriPreview\b/i },
  // Microsoft's current preview fetcher for Teams, Outlook, OneDrive/SharePoint and Copilot:
  // "Mozilla/5.0 (compatible; MicrosoftPreview/2.0; +https://aka.ms/MicrosoftPreview)"
  // (the agent names its own page, aka.ms/MicrosoftPreview; described at
  // https://datadome.co/bots/microsoft-preview/).
  { family: "microsoft-preview", pattern: /\bMicrosoftPreview\b/i },
  // Office apps check a hyperlink before handing it to the browser ("Microsoft Office Word
  // 2014", "Microsoft Office Existence Discovery", "Mozilla/4.0 (compatible; ms-office;
  // MSOffice 16)") and Outlook fetches link previews as "Microsoft Office/16.0 (… Microsoft
  // Outlook …)". The customer's own click then opens the browser, which gets the file.
  // Strings as sites observe them; the search found no Microsoft page listing them.
  { family: "microsoft-office", pattern: /\bMicrosoft Office\b|\bms-office\b/i },
  // Mastodon: "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)": every server
  // fetches a link's card itself (mastodon/mastodon, lib/mastodon/version.rb user_agent).
  { family: "mastodon", pattern: /\bMastodon\/\d/i },
  // Bluesky's card service: "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)"
  // (as observed; no Bluesky page found).
  { family: "bluesky", pattern: /\bCardyb\b/i },
  // Iframely: "Iframely/1.3.1 (+https://iframely.com/docs/about)" (the agent's own page).
  { family: "iframely", pattern: /\bIframely\b/i },
  // Embedly: "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)" (the agent's
  // own page; listed in prerender-node's crawler list, github.com/prerender/prerender-node).
  { family: "embedly", pattern: /\bEmbedly\b/i },
  // Google's snippet renderer used by Google Chat and Docs link chips:
  // "… Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/)"
  // (the agent's own page; the search found no current Google page naming it).
  { family: "google-page-renderer", pattern: /\bGoogle-PageRenderer\b/i },
  // Apple: "… (Applebot/0.1)" ("About Applebot", https://support.apple.com/en-us/HT204683:
  // Siri and Spotlight Suggestions); Messages previews are the Meta-style string above.
  { family: "apple", pattern: /\bApplebot\b/i },
  // Reddit: "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)"
  // (the agent's own page).
  { family: "reddit", pattern: /\bredditbot\b/i },
  // Pinterest: "Pinterest/0.2 (+https://www.pinterest.com/bot.html)" and "Pinterestbot/1.0"
  // (https://www.pinterest.com/bot.html). The app's in-app browser says "[Pinterest/iOS]",
  // which the required digit keeps out.
  { family: "pinterest", pattern: /\bPinterest(?:bot)?\/\d/i },
  // VK: "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)" (the agent's own page).
  { family: "vk", pattern: /\bvkShare\b/i },
  // Not listed: Viber (no documented or reliably observed preview agent found) and LINE's
  // in-app browser ("Line/…", a real customer). LINE's preview fetcher is covered by "meta".
];

/** The preview family whose agent sent this User-Agent, or null for anything else. */
export function previewAgent(userAgent: string | null): string | null {
  if (!userAgent) return null;
  return PREVIEW_AGENTS.find((agent) => agent.pattern.test(userAgent))?.family ?? null;
}
