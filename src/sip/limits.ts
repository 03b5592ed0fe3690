/**
 * Size and count caps applied while parsing (ARCHITECTURE §5: no input may block the event loop or
 * exhaust memory). Exceeding any of them yields 513 Message Too Large (RFC 3261 §21.5.14).
 */
export interface SipLimits {
  /** Whole message: start line + headers + body, in bytes. */
  maxMessageBytes: number;
  /** Header fields (after unfolding) in one message. */
  maxHeaders: number;
  /** One header field (name + value after unfolding) or the start line, in characters. */
  maxLineLength: number;
  /** Parameters on one header value or one URI. */
  maxParams: number;
  /** Items in one comma-separated header list (Via, Contact, Route, ...). */
  maxListItems: number;
}

export const DEFAULT_LIMITS: Readonly<SipLimits> = Object.freeze({
  maxMessageBytes: 16 * 1024,
  maxHeaders: 128,
  maxLineLength: 4096,
  maxParams: 32,
  maxListItems: 64,
});

export function resolveLimits(partial?: Partial<SipLimits>): SipLimits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}
