/**
 * Helpers shared by the transport tests (not part of the module's surface): transports that
 * record what they receive, a request builder, polling, and clean-up after each test.
 */
import { afterEach } from 'vitest';
import { SipTransports, type SipEndpoint, type SipTransportsOptions } from './index.js';
import { parseMessage, type SipMessage } from '../index.js';

export const HOST = '127.0.0.1';

export interface Got {
  msg: SipMessage;
  source: SipEndpoint;
  reliable: boolean;
}

/** Functions run (last first) after each test of the file that calls this. */
export function useCleanups(): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

export async function waitFor<T>(fn: () => T | undefined | false, what = 'condition', ms = 3000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Transports that record every message and error; closed by `cleanups`. */
export function recordingTransports(cleanups: Array<() => unknown>, extra: Partial<SipTransportsOptions> = {}) {
  const got: Got[] = [];
  const errors: Array<{ err: unknown; context: string }> = [];
  const t = new SipTransports({
    onMessage: (msg, source, reliable) => got.push({ msg, source, reliable }),
    onError: (err, context) => errors.push({ err, context }),
    ...extra,
  });
  cleanups.push(() => t.close());
  return { t, got, errors };
}

/** A request as text; `contentLength: null` leaves the header out. */
export function requestText(
  method: string,
  o: { via?: string; branch?: string; body?: string; callId?: string; contentLength?: number | null } = {},
  defaultVia = 'SIP/2.0/UDP pc33.atlanta.example.com:5060;rport',
): string {
  const body = o.body ?? '';
  const lines = [
    `${method} sip:bob@biloxi.example.com SIP/2.0`,
    `Via: ${o.via ?? defaultVia};branch=${o.branch ?? 'z9hG4bK' + Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    'From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'To: Bob <sip:bob@biloxi.example.com>',
    `Call-ID: ${o.callId ?? 'c' + Math.random().toString(36).slice(2)}`,
    `CSeq: 1 ${method}`,
  ];
  if (o.contentLength !== null) lines.push(`Content-Length: ${o.contentLength ?? Buffer.byteLength(body)}`);
  return [...lines, '', body].join('\r\n');
}

export function parse(text: string | Buffer): SipMessage {
  const r = parseMessage(text);
  if (r.kind !== 'message') throw new Error(`did not parse: ${JSON.stringify(r)}`);
  return r.message;
}
