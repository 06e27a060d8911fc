import { csvRecord } from "./csv.ts";
import type { EventCursor, EventPage } from "./eventQuery.ts";
import { EVENT_COLUMNS, eventRowView } from "./eventRow.ts";

export type StreamFormat = "csv" | "ndjson";

/**
 * The whole filtered log as one response body, read from D1 one page at a time: a page is
 * asked for only when the client has taken the previous one (`pull` with a high-water mark
 * of 0), so memory stays at one page whatever the export's size, and a slow client slows
 * the reads instead of piling rows up. The first page is read before the response starts
 * (a D1 failure then is a proper 503); a failure later aborts the body, so the client sees
 * a broken transfer, never a short file that looks complete.
 */
export function eventStream(
  format: StreamFormat,
  first: EventPage,
  nextPage: (after: EventCursor) => Promise<EventPage>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page: EventPage | null = first;
  let headerSent = format !== "csv";
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvRecord(EVENT_COLUMNS)));
          return;
        }
        if (page === null) {
          controller.close();
          return;
        }
        const current: EventPage = page;
        // Ask for the next page while this one is encoded and written.
        const next = current.next ? nextPage(current.next) : Promise.resolve(null);
        next.catch(() => {});
        let text = "";
        for (const row of current.rows) {
          const view = eventRowView(row);
          text += format === "csv" ? csvRecord(EVENT_COLUMNS.map((c) => view[c])) : `${JSON.stringify(view)}\n`;
        }
        if (text !== "") controller.enqueue(encoder.encode(text));
        page = await next;
        if (page === null) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
