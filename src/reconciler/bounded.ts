/*
 * Limits on what the reconciler writes into the API server. A value over a limit is refused by the server,
 * and a refused status write is retried forever, so every message and reason is cut to fit before it is sent.
 * Lengths are counted in UTF-8 bytes: the API server counts bytes for events and characters for the CRD's
 * `maxLength`, and a text of at most N bytes has at most N characters.
 */

/** `maxLength` of a condition message in the Workspace CRD (metav1.Condition's limit). */
export const CONDITION_MESSAGE_MAX_BYTES = 32_768;
/** `maxLength` of a condition reason in the Workspace CRD. */
export const CONDITION_REASON_MAX_BYTES = 1024;
/** Event message limit (events.k8s.io `note`, and what the kubelet's recorder keeps). */
export const EVENT_MESSAGE_MAX_BYTES = 1024;
/** Event reason limit (events.k8s.io `reason`). */
export const EVENT_REASON_MAX_BYTES = 128;

const encoder = new TextEncoder();

/** UTF-8 length of `text`. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * `text` if it fits in `maxBytes` of UTF-8, else its beginning followed by a marker that says it was cut,
 * `… [truncated: 40000 bytes in all]`, the whole at most `maxBytes` (at least 64). A character is never split.
 */
export function truncateText(text: string, maxBytes: number): string {
  const total = utf8Bytes(text);
  if (total <= maxBytes) return text;
  const marker = `… [truncated: ${total} bytes in all]`;
  const room = Math.max(0, maxBytes - utf8Bytes(marker));
  let kept = 0;
  let end = 0;
  for (const ch of text) {
    const size = utf8Bytes(ch);
    if (kept + size > room) break;
    kept += size;
    end += ch.length;
  }
  return `${text.slice(0, end)}${marker}`;
}
