/**
 * Framing and tokenizing (RFC 3261 §7, §18.3): one UDP datagram at a time (`parseDatagram`), or a
 * byte stream split into messages by Content-Length (`StreamFramer`). Nothing here throws on peer
 * input: every failure is a `SipProblem` carrying the status a UAS would answer with.
 */
import { SipError, attempt, problem, syntax, type SipProblem } from './errors.js';
import { headerKey } from './headers.js';
import { resolveLimits, type SipLimits } from './limits.js';
import { SipHeaders, SipRequest, SipResponse, type SipMessage } from './message.js';
import { isDigits, isToken, parseUint, trimWs, UINT32_MAX } from './scan.js';

const CRLF2 = Buffer.from('\r\n\r\n');

type StartLine =
  | { kind: 'request'; method: string; uri: string; version: string }
  | { kind: 'response'; version: string; status: number; reason: string };

export interface Head {
  start: StartLine;
  fields: Array<{ name: string; value: string }>;
}

const VERSION = /^SIP\/[0-9]{1,3}\.[0-9]{1,3}$/i;

function parseStartLine(line: string, limits: SipLimits): StartLine {
  if (line.length > limits.maxLineLength) syntax('SIP_TOO_LARGE', 'start line too long', 513);
  if (/^SIP\//i.test(line)) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
    const a = line.indexOf(' ');
    if (a < 0) syntax('SIP_BAD_START_LINE', 'status line without status code');
    const version = line.slice(0, a);
    if (!VERSION.test(version)) syntax('SIP_BAD_VERSION', 'bad SIP version');
    const b = line.indexOf(' ', a + 1);
    const code = b < 0 ? line.slice(a + 1) : line.slice(a + 1, b);
    // Status-Code = 3DIGIT, 100-699 (RFC 4475 §3.1.2.19 "4294967301")
    if (code.length !== 3 || !isDigits(code) || code < '100' || code > '699') syntax('SIP_BAD_STATUS', 'bad status code');
    const reason = b < 0 ? '' : line.slice(b + 1); // may be empty (RFC 4475 §3.1.1.13)
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(reason)) syntax('SIP_BAD_START_LINE', 'control character in reason phrase');
    return { kind: 'response', version, status: Number(code), reason };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF: exactly single spaces
  // (RFC 4475 §3.1.2.8 lwsruri, §3.1.2.9 lwsstart, §3.1.2.10 trws: we take the option to reject).
  const parts = line.split(' ');
  if (parts.length !== 3) syntax('SIP_BAD_START_LINE', 'request line must be "Method SP Request-URI SP SIP-Version"');
  const [method, uri, version] = parts as [string, string, string];
  if (!isToken(method)) syntax('SIP_BAD_START_LINE', 'bad method');
  if (uri === '' || /[\x00-\x20\x7f]/.test(uri)) syntax('SIP_BAD_START_LINE', 'bad Request-URI');
  if (!VERSION.test(version)) syntax('SIP_BAD_START_LINE', 'bad SIP version');
  return { kind: 'request', method, uri, version };
}

/** Split a message head (start line + header lines, without the blank line) into fields. */
export function tokenizeHead(text: string, limits: SipLimits): Head {
  const lines = text.split('\r\n');
  const start = parseStartLine(lines[0] ?? '', limits);
  const fields: Array<{ name: string; value: string }> = [];
  let current: { name: string; value: string } | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const c = line.charCodeAt(0);
    if (c === 32 || c === 9) {
      // LWS continuation: a CRLF followed by whitespace folds into one SP (RFC 3261 §7.3.1)
      if (!current) syntax('SIP_BAD_HEADER', 'continuation line before any header');
      const more = trimWs(line);
      if (more !== '') current.value = current.value === '' ? more : `${current.value} ${more}`;
    } else {
      const colon = line.indexOf(':');
      if (colon < 0) syntax('SIP_BAD_HEADER', 'header line without a colon');
      // HCOLON = *( SP / HTAB ) ":" SWS
      const name = trimWs(line.slice(0, colon));
      if (!isToken(name)) syntax('SIP_BAD_HEADER', 'bad header name');
      current = { name, value: trimWs(line.slice(colon + 1)) };
      fields.push(current);
      if (fields.length > limits.maxHeaders) syntax('SIP_TOO_LARGE', 'too many header fields', 513);
    }
    if (current && current.name.length + current.value.length > limits.maxLineLength) {
      syntax('SIP_TOO_LARGE', `header ${current.name} too long`, 513);
    }
  }
  return { start, fields };
}

/** Content-Length from the tokenized fields: absent, or one well-formed value (RFC 4475 §3.1.2.3, §3.3.9). */
function contentLength(head: Head): number | undefined {
  let found: number | undefined;
  for (const f of head.fields) {
    if (headerKey(f.name) !== 'content-length') continue;
    const n = parseUint(f.value, UINT32_MAX, 'Content-Length', 'SIP_BAD_CONTENT_LENGTH');
    if (found !== undefined && found !== n) syntax('SIP_BAD_CONTENT_LENGTH', 'conflicting Content-Length headers');
    found = n;
  }
  return found;
}

function build(head: Head, body: Buffer, limits: SipLimits): SipMessage {
  const headers = new SipHeaders(head.fields, limits);
  const s = head.start;
  return s.kind === 'request'
    ? new SipRequest({ method: s.method, uri: s.uri, version: s.version, headers, body, limits })
    : new SipResponse({ status: s.status, reason: s.reason, version: s.version, headers, body, limits });
}

export type DatagramResult =
  | { kind: 'message'; message: SipMessage }
  /** Only CRLFs: a keep-alive (RFC 5626 §4.4.1 style); answer nothing. */
  | { kind: 'keepalive' }
  /** `message` is present when the head was readable (so a 400 can still be built from it). */
  | { kind: 'error'; error: SipProblem; message?: SipMessage };

function skipCrlf(buf: Buffer, from: number): number {
  let i = from;
  while (i + 1 < buf.length && buf[i] === 13 && buf[i + 1] === 10) i += 2;
  return i;
}

/**
 * Parse one UDP datagram (RFC 3261 §18.3): without Content-Length the body runs to the end of the
 * datagram; octets past Content-Length are discarded (RFC 4475 §3.1.1.8); a Content-Length larger
 * than what arrived is an error (RFC 4475 §3.1.2.2). The body is a view into `buf`.
 */
export function parseDatagram(buf: Buffer, limitsIn?: Partial<SipLimits>): DatagramResult {
  const limits = resolveLimits(limitsIn);
  try {
    if (buf.length > limits.maxMessageBytes) {
      return { kind: 'error', error: problem(513, 'SIP_TOO_LARGE', `datagram of ${buf.length} bytes`) };
    }
    const start = skipCrlf(buf, 0);
    if (start >= buf.length) return { kind: 'keepalive' };
    let headEnd = buf.indexOf(CRLF2, start);
    let bodyStart: number;
    if (headEnd < 0) {
      // Lenient: a datagram whose headers end with a single CRLF and nothing else.
      if (buf.length >= 2 && buf[buf.length - 2] === 13 && buf[buf.length - 1] === 10) {
        headEnd = buf.length - 2;
        bodyStart = buf.length;
      } else {
        return { kind: 'error', error: problem(400, 'SIP_NO_END_OF_HEADERS', 'no empty line after the headers') };
      }
    } else {
      bodyStart = headEnd + 4;
    }
    const headResult = attempt(() => tokenizeHead(buf.toString('utf8', start, headEnd), limits));
    if (!headResult.ok) return { kind: 'error', error: headResult.error };
    const head = headResult.value;
    const available = buf.length - bodyStart;
    const cl = attempt(() => contentLength(head));
    if (!cl.ok) return { kind: 'error', error: cl.error, message: build(head, buf.subarray(bodyStart), limits) };
    if (cl.value === undefined) return { kind: 'message', message: build(head, buf.subarray(bodyStart), limits) };
    if (cl.value > available) {
      return {
        kind: 'error',
        error: problem(400, 'SIP_BAD_CONTENT_LENGTH', `Content-Length ${cl.value} exceeds the ${available} octets received`),
        message: build(head, buf.subarray(bodyStart), limits),
      };
    }
    return { kind: 'message', message: build(head, buf.subarray(bodyStart, bodyStart + cl.value), limits) };
  } catch (e) {
    // Defence in depth: never let a parser bug escape to the transport.
    const p = e instanceof SipError ? e.toProblem() : problem(400, 'SIP_MALFORMED', String((e as Error)?.message ?? e));
    return { kind: 'error', error: p };
  }
}

/** Parse a whole message held in a string or Buffer (tests, tools): same rules as a datagram. */
export function parseMessage(input: Buffer | string, limits?: Partial<SipLimits>): DatagramResult {
  return parseDatagram(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, limits);
}

export type FramerEvent =
  | { kind: 'message'; message: SipMessage }
  /** "\r\n\r\n" keep-alive ping (RFC 5626 §4.4.1): answer with a single "\r\n" pong. */
  | { kind: 'ping' }
  /** A lone "\r\n": the pong to our ping. */
  | { kind: 'pong' }
  /** Framing is lost: reply if you can (`message` when the head was read), then close the connection. */
  | { kind: 'error'; error: SipProblem; message?: SipMessage };

/**
 * Splits a TCP/TLS byte stream into SIP messages by Content-Length (RFC 3261 §18.3: mandatory on
 * streams). Leading CRLFs between messages are skipped and reported as keep-alives. After an
 * error the framer is closed and ignores further input (the transport must close the connection).
 */
export class StreamFramer {
  readonly limits: SipLimits;
  private buf: Buffer = Buffer.alloc(0);
  private scanFrom = 0;
  private halfPing = false;
  private closedWith: SipProblem | undefined;
  private pending: { head: Head; headEnd: number; total: number } | undefined;

  constructor(limits?: Partial<SipLimits>) {
    this.limits = resolveLimits(limits);
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }
  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): FramerEvent[] {
    if (this.closedWith) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: FramerEvent[] = [];
    try {
      this.drain(events);
    } catch (e) {
      const p = e instanceof SipError ? e.toProblem() : problem(400, 'SIP_MALFORMED', String((e as Error)?.message ?? e));
      this.fail(events, p);
    }
    return events;
  }

  /** WebSocket (RFC 7118 §5): one message per frame, no framing by Content-Length needed. */
  static parseFrame(frame: Buffer, limits?: Partial<SipLimits>): DatagramResult {
    return parseDatagram(frame, limits);
  }

  private fail(events: FramerEvent[], error: SipProblem, message?: SipMessage): void {
    this.closedWith = error;
    this.buf = Buffer.alloc(0);
    events.push(message ? { kind: 'error', error, message } : { kind: 'error', error });
  }

  private drain(events: FramerEvent[]): void {
    for (;;) {
      // Keep-alives and stray CRLFs before a message (RFC 3261 §7.5, RFC 5626 §4.4.1).
      if (this.halfPing && this.buf.length >= 2) {
        this.halfPing = false;
        if (this.buf[0] === 13 && this.buf[1] === 10 && !(this.buf[2] === 13 && this.buf[3] === 10)) {
          // The second half of a ping that arrived split: the pong we reported was its first half.
          events.push({ kind: 'ping' });
          this.consume(2);
        }
      }
      while (this.buf.length >= 2 && this.buf[0] === 13 && this.buf[1] === 10) {
        if (this.buf.length >= 4 && this.buf[2] === 13 && this.buf[3] === 10) {
          events.push({ kind: 'ping' });
          this.consume(4);
        } else if (this.buf.length === 3 && this.buf[2] === 13) {
          return; // wait for the 4th byte
        } else {
          events.push({ kind: 'pong' });
          this.consume(2);
          if (this.buf.length === 0) this.halfPing = true;
        }
      }
      if (this.buf.length === 0) return;
      if (this.buf.length === 1 && this.buf[0] === 13) return;

      if (this.pending) {
        // Head already parsed; waiting for the body (a trickled body must not re-parse the head).
        const { head, headEnd, total } = this.pending;
        if (this.buf.length < total) return;
        this.pending = undefined;
        const body = Buffer.from(this.buf.subarray(headEnd + 4, total)); // copy: the stream buffer is reused
        this.consume(total);
        events.push({ kind: 'message', message: build(head, body, this.limits) });
        continue;
      }
      const headEnd = this.buf.indexOf(CRLF2, this.scanFrom);
      if (headEnd < 0) {
        if (this.buf.length > this.limits.maxMessageBytes) {
          return this.fail(events, problem(513, 'SIP_TOO_LARGE', 'message head exceeds the size limit'));
        }
        this.scanFrom = Math.max(0, this.buf.length - 3);
        return;
      }
      if (headEnd + 4 > this.limits.maxMessageBytes) {
        return this.fail(events, problem(513, 'SIP_TOO_LARGE', 'message head exceeds the size limit'));
      }
      const headResult = attempt(() => tokenizeHead(this.buf.toString('utf8', 0, headEnd), this.limits));
      if (!headResult.ok) return this.fail(events, headResult.error);
      const head = headResult.value;
      const cl = attempt(() => contentLength(head));
      if (!cl.ok) return this.fail(events, cl.error, build(head, Buffer.alloc(0), this.limits));
      if (cl.value === undefined) {
        // RFC 3261 §18.3: Content-Length MUST be present on stream transports.
        return this.fail(
          events,
          problem(400, 'SIP_MISSING_CONTENT_LENGTH', 'Content-Length is required on stream transports'),
          build(head, Buffer.alloc(0), this.limits),
        );
      }
      const total = headEnd + 4 + cl.value;
      if (total > this.limits.maxMessageBytes) {
        return this.fail(events, problem(513, 'SIP_TOO_LARGE', `message of ${total} bytes`), build(head, Buffer.alloc(0), this.limits));
      }
      this.pending = { head, headEnd, total };
    }
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
    this.scanFrom = 0;
  }
}
