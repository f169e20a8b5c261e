/**
 * Telegram Desktop's JSON is not quite JSON: its SerializeString (export_output_json.cpp) writes a byte
 * below 0x20 other than \n, \r and \t as `\xHH`, which JSON.parse rejects, so one caption with a
 * vertical tab used to reject the whole file. This turns those escapes into `\u00HH` first.
 */

/** `\xHH` escapes (preceded by an odd number of backslashes, i.e. not an escaped backslash) → `\u00HH`. */
export function fixControlEscapes(raw: string): string {
  return raw.replace(/(\\+)x([0-9A-Fa-f]{2})/g, (all, slashes: string, hex: string) =>
    slashes.length % 2 === 1 ? `${slashes}u00${hex}` : all,
  );
}

/** Parses Telegram Desktop's result.json text. */
export function parseTdesktopJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return JSON.parse(fixControlEscapes(raw));
  }
}
