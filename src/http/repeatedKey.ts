/**
 * The path of the first key that an object in `text` gives twice, or null. `text` must be
 * valid JSON (JSON.parse has read it already).
 *
 * JSON.parse keeps the last of two equal keys without a word, so `{"grant": {limits},
 * "grant": {}}` would pass every schema with the restrictions gone (docs/CONTRACT.md §9:
 * input is refused, never ignored). Keys are compared as decoded (`"a"` and `"\u0061"`
 * are one key). One pass with a stack, not recursion: a body may nest thousands of levels
 * (JSON.parse allows it), which is also why the JSONC parsers that report members, all
 * recursive, are not used here.
 */
export function repeatedKeyAt(text: string): string | null {
  // One frame per open object (its keys so far) or array (its current index).
  const frames: { keys: Set<string> | null; at: string }[] = [];
  let expectsKey = false;
  for (let i = 0; i < text.length; i++) {
    switch (text[i]) {
      case '"': {
        const end = closingQuote(text, i);
        const frame = frames.at(-1);
        if (frame?.keys && expectsKey) {
          const key = JSON.parse(text.slice(i, end + 1)) as string;
          if (frame.keys.has(key)) return [...frames.slice(0, -1).map((f) => f.at), key].join(".");
          frame.keys.add(key);
          frame.at = key;
          expectsKey = false;
        }
        i = end;
        break;
      }
      case "{":
        frames.push({ keys: new Set(), at: "" });
        expectsKey = true;
        break;
      case "[":
        frames.push({ keys: null, at: "0" });
        break;
      case "}":
      case "]":
        frames.pop();
        break;
      case ",": {
        const frame = frames.at(-1);
        if (frame?.keys) expectsKey = true;
        else if (frame) frame.at = String(Number(frame.at) + 1);
        break;
      }
    }
  }
  return null;
}

/** Index of the quote that ends the string literal opening at `start`. */
function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}
