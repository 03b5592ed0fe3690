/**
 * The SIP message model: a request or a response, its header fields in order (as received, after
 * unfolding), typed views of them parsed lazily on first access and cached, and the body as a Buffer.
 */
import { SipError, attempt, type Parsed } from './errors.js';
import {
  HEADER_PARSERS,
  canonicalName,
  headerKey,
  isListHeader,
  type AuthValue,
  type CSeq,
  type ContactHeader,
  type EventHeader,
  type FromTo,
  type HeaderTypes,
  type MediaType,
  type NameAddr,
  type Replaces,
  type TypedHeaderKey,
  type Via,
} from './headers.js';
import { DEFAULT_LIMITS, type SipLimits } from './limits.js';
import { splitList } from './scan.js';
import { parseUri, type Uri } from './uri.js';

export interface HeaderField {
  /** The name as received (or as given), e.g. `v`, `VIA`, `Via`. */
  readonly name: string;
  /** Lower-case full name: compact forms expanded. */
  readonly key: string;
  /** The value, unfolded and trimmed. */
  readonly value: string;
}

function checkValue(value: string): void {
  // Header injection guard: a value we emit can never start another header line.
  if (/[\r\n]/.test(value)) throw new SipError(500, 'SIP_HEADER_INJECTION', 'header value contains CR or LF');
}

/** Ordered, case-insensitive header fields with lazily parsed typed views. */
export class SipHeaders implements Iterable<HeaderField> {
  private list: HeaderField[];
  /** Parsed views by header key; made on first use (many messages are never looked into). */
  private cache: Map<string, Parsed<unknown>> | undefined;

  constructor(
    fields: Iterable<{ name: string; value: string }> = [],
    readonly limits: SipLimits = DEFAULT_LIMITS,
  ) {
    this.list = [];
    for (const f of fields) this.list.push({ name: f.name, key: headerKey(f.name), value: f.value });
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.list[Symbol.iterator]();
  }

  /**
   * Forget the parsed views (they are parsed again if asked for). A transaction that only waits
   * for retransmissions calls this: over UDP it lives 32 s (RFC 3261 Timers J, K, D), and the
   * parsed views were a third of its memory.
   */
  compact(): void {
    this.cache = undefined;
  }
  /** Number of header fields (lines). */
  get size(): number {
    return this.list.length;
  }
  fields(): readonly HeaderField[] {
    return this.list;
  }
  has(name: string): boolean {
    const key = headerKey(name);
    return this.list.some((f) => f.key === key);
  }
  /** The first field value, raw. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    return this.list.find((f) => f.key === key)?.value;
  }
  /** Every field value, one per header line, raw. */
  lines(name: string): string[] {
    const key = headerKey(name);
    return this.list.filter((f) => f.key === key).map((f) => f.value);
  }
  /**
   * Every value: list headers (RFC 3261 §7.3.1) are split on top-level commas and empty items
   * dropped; others (Authorization, WWW-Authenticate, Date, unknown headers) are one value per line.
   */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const lines = this.lines(key);
    if (!isListHeader(key)) return lines;
    return lines.flatMap((l) => splitList(l)).filter((v) => v !== '');
  }
  append(name: string, value: string): this {
    checkValue(value);
    this.list.push({ name: canonicalName(name), key: headerKey(name), value });
    this.cache?.delete(headerKey(name));
    return this;
  }
  /** Insert before every other field of the same name (e.g. a proxy's own Via, §16.6 step 8). */
  prepend(name: string, value: string): this {
    checkValue(value);
    const key = headerKey(name);
    const at = this.list.findIndex((f) => f.key === key);
    const field = { name: canonicalName(name), key, value };
    if (at < 0) this.list.push(field);
    else this.list.splice(at, 0, field);
    this.cache?.delete(key);
    return this;
  }
  /** Replace every field of this name with the given value(s), at the first one's position. */
  set(name: string, value: string | readonly string[]): this {
    const values = typeof value === 'string' ? [value] : value;
    values.forEach(checkValue);
    const key = headerKey(name);
    const at = this.list.findIndex((f) => f.key === key);
    const fields = values.map((v) => ({ name: canonicalName(name), key, value: v }));
    this.list = this.list.filter((f) => f.key !== key);
    this.list.splice(at < 0 ? this.list.length : at, 0, ...fields);
    this.cache?.delete(key);
    return this;
  }
  remove(name: string): number {
    const key = headerKey(name);
    const before = this.list.length;
    this.list = this.list.filter((f) => f.key !== key);
    this.cache?.delete(key);
    return before - this.list.length;
  }
  /** Remove the first value of a list header (a proxy popping its Route, §16.4), keeping the rest. */
  removeFirstValue(name: string): string | undefined {
    const key = headerKey(name);
    const at = this.list.findIndex((f) => f.key === key);
    if (at < 0) return undefined;
    const field = this.list[at] as HeaderField;
    const parts = splitList(field.value);
    const first = parts.shift();
    if (parts.length === 0) this.list.splice(at, 1);
    else this.list[at] = { ...field, value: parts.join(', ') };
    this.cache?.delete(key);
    return first;
  }
  /**
   * The typed view of a header: `undefined` when absent, else the parse outcome (cached until the
   * header is changed). Never throws.
   */
  parsed<K extends TypedHeaderKey>(key: K): Parsed<HeaderTypes[K]> | undefined {
    const cached = this.cache?.get(key);
    if (cached) return cached as Parsed<HeaderTypes[K]>;
    const lines = this.lines(key);
    if (lines.length === 0) return undefined;
    const parser = HEADER_PARSERS[key] as (l: string[], lim: SipLimits) => HeaderTypes[K];
    const result = attempt(() => parser(lines, this.limits), 'SIP_BAD_' + key.toUpperCase().replace(/-/g, '_'));
    (this.cache ??= new Map()).set(key, result);
    return result;
  }
  /** The typed value, or `undefined` when absent or malformed (use `parsed()` to see why). */
  value<K extends TypedHeaderKey>(key: K): HeaderTypes[K] | undefined {
    const p = this.parsed(key);
    return p?.ok ? p.value : undefined;
  }
  clone(): SipHeaders {
    return new SipHeaders(this.list, this.limits);
  }
}

/** Most messages have no body; a zero-length Buffer cannot be written to, so one serves all. */
const EMPTY_BODY = Buffer.alloc(0);

abstract class SipMessageBase {
  /** `SIP/2.0` as received (validation answers 505 to anything else). */
  version: string;
  headers: SipHeaders;
  body: Buffer;
  /** Exact bytes to send instead of serializing (a message reduced by `bytesOnly`). */
  wire?: Buffer;

  constructor(init: { version?: string; headers?: SipHeaders | Iterable<{ name: string; value: string }>; body?: Buffer | string; limits?: SipLimits }) {
    this.version = init.version ?? 'SIP/2.0';
    this.headers = init.headers instanceof SipHeaders ? init.headers : new SipHeaders(init.headers ?? [], init.limits);
    this.body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : (init.body ?? EMPTY_BODY);
  }

  get via(): Via[] | undefined {
    return this.headers.value('via');
  }
  get from(): FromTo | undefined {
    return this.headers.value('from');
  }
  get to(): FromTo | undefined {
    return this.headers.value('to');
  }
  get callId(): string | undefined {
    return this.headers.value('call-id');
  }
  get cseq(): CSeq | undefined {
    return this.headers.value('cseq');
  }
  get maxForwards(): number | undefined {
    return this.headers.value('max-forwards');
  }
  get contact(): ContactHeader | undefined {
    return this.headers.value('contact');
  }
  get route(): NameAddr[] | undefined {
    return this.headers.value('route');
  }
  get recordRoute(): NameAddr[] | undefined {
    return this.headers.value('record-route');
  }
  get contentType(): MediaType | undefined {
    return this.headers.value('content-type');
  }
  get expires(): number | undefined {
    return this.headers.value('expires');
  }
  get authorization(): AuthValue[] | undefined {
    return this.headers.value('authorization');
  }
  get replaces(): Replaces | undefined {
    return this.headers.value('replaces');
  }
  get event(): EventHeader | undefined {
    return this.headers.value('event');
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  method: string;
  /** The Request-URI as received; `requestUri` is its parsed form. */
  uri: string;
  private uriCache: { raw: string; parsed: Parsed<Uri> } | undefined;

  constructor(init: {
    method: string;
    uri: string;
    version?: string;
    headers?: SipHeaders | Iterable<{ name: string; value: string }>;
    body?: Buffer | string;
    limits?: SipLimits;
  }) {
    super(init);
    this.method = init.method;
    this.uri = init.uri;
  }

  get requestUri(): Parsed<Uri> {
    if (!this.uriCache || this.uriCache.raw !== this.uri) {
      this.uriCache = { raw: this.uri, parsed: parseUri(this.uri, this.headers.limits) };
    }
    return this.uriCache.parsed;
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  constructor(init: {
    status: number;
    reason: string;
    version?: string;
    headers?: SipHeaders | Iterable<{ name: string; value: string }>;
    body?: Buffer | string;
    limits?: SipLimits;
  }) {
    super(init);
    this.status = init.status;
    this.reason = init.reason;
  }
}

export type SipMessage = SipRequest | SipResponse;
