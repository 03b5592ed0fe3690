import { SdpError } from './errors.js';
import type {
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpMedia,
  SdpOrigin,
  SessionDescription,
} from './types.js';

/** Bounds that keep a hostile body cheap to refuse. */
export interface SdpLimits {
  /** Characters of the whole description. */
  maxLength: number;
  maxLines: number;
  maxMedia: number;
}

export const DEFAULT_SDP_LIMITS: Readonly<SdpLimits> = Object.freeze({ maxLength: 65_536, maxLines: 2_048, maxMedia: 64 });

export type SdpParseResult = { ok: true; sdp: SessionDescription } | { ok: false; error: SdpError };

const DIGITS = /^[0-9]+$/;
/** The RFC 8866 §9 `token` characters. */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

/**
 * Parse a session description. Never throws: garbage gives `{ ok: false, error }` with an
 * `SdpError` (`SDP_MALFORMED`, `SDP_UNSUPPORTED_VERSION`, `SDP_TOO_LARGE`).
 *
 * Lenient on input (RFC 8866 §5 asks parsers to be strict, but phones are not): lines may end in
 * LF alone, blank lines and trailing whitespace are ignored, session-level lines are accepted in any
 * order, `s=` and `t=` may be missing, and lines of unknown type are kept in `extra`. What we cannot
 * read safely is refused: a first line other than `v=`, a line without `<letter>=`, and malformed
 * `o=`, `c=`, `m=`, `t=` or `b=` lines (the B2BUA decides where media goes from them).
 */
export function parseSdp(input: string | Uint8Array, limits: Partial<SdpLimits> = {}): SdpParseResult {
  try {
    return { ok: true, sdp: parseOrThrow(input, { ...DEFAULT_SDP_LIMITS, ...limits }) };
  } catch (e) {
    if (e instanceof SdpError) return { ok: false, error: e };
    // A bug here must not escape as another error type: report it as malformed.
    return { ok: false, error: new SdpError('SDP_MALFORMED', `parser failure: ${(e as Error)?.message ?? String(e)}`) };
  }
}

function parseOrThrow(input: string | Uint8Array, limits: SdpLimits): SessionDescription {
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  if (text.length > limits.maxLength) throw new SdpError('SDP_TOO_LARGE', `description longer than ${limits.maxLength} characters`);
  const rawLines = text.split('\n');
  if (rawLines.length > limits.maxLines) throw new SdpError('SDP_TOO_LARGE', `more than ${limits.maxLines} lines`);

  let sdp: SessionDescription | undefined;
  let origin: SdpOrigin | undefined;
  let sawName = false;
  let media: SdpMedia | undefined;

  for (let i = 0; i < rawLines.length; i++) {
    const lineNo = i + 1;
    // Accept CRLF and bare LF; trailing whitespace is never meaningful except in `s= `, which we
    // restore below when the name would otherwise be empty.
    const line = rawLines[i]!.replace(/[\r\t ]+$/, '');
    if (line === '') continue;
    if (line.length < 2 || line[1] !== '=' || !/^[A-Za-z]$/.test(line[0]!)) {
      throw new SdpError('SDP_MALFORMED', 'expected a line of the form <type>=<value>', lineNo);
    }
    const type = line[0]!;
    const value = line.slice(2);

    if (!sdp) {
      // RFC 8866 §5: the description starts with v=.
      if (type !== 'v') throw new SdpError('SDP_MALFORMED', 'a session description starts with v=', lineNo);
      if (value.trim() !== '0') throw new SdpError('SDP_UNSUPPORTED_VERSION', `unsupported version ${JSON.stringify(value)}`, lineNo);
      sdp = {
        version: 0,
        origin: undefined as unknown as SdpOrigin,
        sessionName: '-',
        emails: [],
        phones: [],
        bandwidths: [],
        timings: [],
        attributes: [],
        extra: [],
        media: [],
      };
      continue;
    }

    if (type === 'm') {
      if (sdp.media.length >= limits.maxMedia) throw new SdpError('SDP_TOO_LARGE', `more than ${limits.maxMedia} media sections`, lineNo);
      media = parseMediaLine(value, lineNo);
      sdp.media.push(media);
      continue;
    }

    if (media) {
      // Media-level lines (RFC 8866 §5: i= c= b= k= a=).
      switch (type) {
        case 'i':
          if (media.info === undefined) media.info = value;
          else media.extra.push({ type, value });
          break;
        case 'c':
          // Several c= lines are only for layered multicast; the first one is the one we use.
          if (media.connection === undefined) media.connection = parseConnection(value, lineNo);
          else media.extra.push({ type, value });
          break;
        case 'b':
          media.bandwidths.push(parseBandwidth(value, lineNo));
          break;
        case 'k':
          if (media.key === undefined) media.key = value;
          else media.extra.push({ type, value });
          break;
        case 'a':
          media.attributes.push(parseAttribute(value));
          break;
        default:
          media.extra.push({ type, value });
      }
      continue;
    }

    switch (type) {
      case 'v':
        throw new SdpError('SDP_MALFORMED', 'a second v= line', lineNo);
      case 'o':
        if (origin) throw new SdpError('SDP_MALFORMED', 'a second o= line', lineNo);
        origin = parseOrigin(value, lineNo);
        sdp.origin = origin;
        break;
      case 's':
        if (!sawName) {
          sawName = true;
          // `s= ` (a lone space) is the RFC's recommended empty name; trimming made it empty.
          sdp.sessionName = value === '' ? ' ' : value;
        } else sdp.extra.push({ type, value });
        break;
      case 'i':
        if (sdp.info === undefined) sdp.info = value;
        else sdp.extra.push({ type, value });
        break;
      case 'u':
        if (sdp.uri === undefined) sdp.uri = value;
        else sdp.extra.push({ type, value });
        break;
      case 'e':
        sdp.emails.push(value);
        break;
      case 'p':
        sdp.phones.push(value);
        break;
      case 'c':
        if (sdp.connection === undefined) sdp.connection = parseConnection(value, lineNo);
        else sdp.extra.push({ type, value });
        break;
      case 'b':
        sdp.bandwidths.push(parseBandwidth(value, lineNo));
        break;
      case 't':
        sdp.timings.push(parseTiming(value, lineNo));
        break;
      case 'r': {
        // RFC 8866 §5.10: r= belongs to the t= before it. Without one, it gets the implicit
        // `t=0 0` we would emit anyway, so a round trip keeps the same structure.
        if (sdp.timings.length === 0) sdp.timings.push({ start: '0', stop: '0', repeats: [] });
        sdp.timings[sdp.timings.length - 1]!.repeats.push(value);
        break;
      }
      case 'z':
        if (sdp.zone === undefined) sdp.zone = value;
        else sdp.extra.push({ type, value });
        break;
      case 'k':
        if (sdp.key === undefined) sdp.key = value;
        else sdp.extra.push({ type, value });
        break;
      case 'a':
        sdp.attributes.push(parseAttribute(value));
        break;
      default:
        sdp.extra.push({ type, value });
    }
  }

  if (!sdp) throw new SdpError('SDP_MALFORMED', 'empty session description');
  // o= identifies the session and carries the version the offer/answer model relies on (RFC 3264 §8).
  if (!origin) throw new SdpError('SDP_MALFORMED', 'missing o= line');
  if (sdp.timings.length === 0) sdp.timings.push({ start: '0', stop: '0', repeats: [] });
  return sdp;
}

const fields = (value: string): string[] => value.split(/[ \t]+/).filter((f) => f !== '');

function parseOrigin(value: string, lineNo: number): SdpOrigin {
  const f = fields(value);
  if (f.length !== 6) throw new SdpError('SDP_MALFORMED', 'o= needs 6 fields', lineNo);
  const [username, sessId, sessVersion, netType, addrType, address] = f as [string, string, string, string, string, string];
  if (!DIGITS.test(sessId)) throw new SdpError('SDP_MALFORMED', 'o= sess-id is not a number', lineNo);
  if (!DIGITS.test(sessVersion)) throw new SdpError('SDP_MALFORMED', 'o= sess-version is not a number', lineNo);
  if (!TOKEN.test(netType) || !TOKEN.test(addrType)) throw new SdpError('SDP_MALFORMED', 'o= nettype/addrtype is not a token', lineNo);
  return { username, sessId, sessVersion, netType, addrType, address };
}

function parseConnection(value: string, lineNo: number): SdpConnection {
  const f = fields(value);
  if (f.length !== 3) throw new SdpError('SDP_MALFORMED', 'c= needs 3 fields', lineNo);
  const [netType, addrType, full] = f as [string, string, string];
  if (!TOKEN.test(netType) || !TOKEN.test(addrType)) throw new SdpError('SDP_MALFORMED', 'c= nettype/addrtype is not a token', lineNo);
  const [address, ...suffix] = full.split('/');
  if (!address || suffix.length > 2 || suffix.some((s) => !DIGITS.test(s) || s.length > 9)) {
    throw new SdpError('SDP_MALFORMED', 'bad c= connection-address', lineNo);
  }
  const c: SdpConnection = { netType, addrType, address };
  // RFC 8866 §5.7: IP4 multicast is addr/ttl[/count]; IP6 multicast is addr[/count] (no TTL).
  if (addrType.toUpperCase() === 'IP6') {
    if (suffix.length > 1) throw new SdpError('SDP_MALFORMED', 'IP6 c= takes no TTL', lineNo);
    if (suffix.length === 1) c.count = Number(suffix[0]);
  } else {
    if (suffix.length >= 1) c.ttl = Number(suffix[0]);
    if (suffix.length === 2) c.count = Number(suffix[1]);
  }
  return c;
}

function parseBandwidth(value: string, lineNo: number): SdpBandwidth {
  const colon = value.indexOf(':');
  const type = value.slice(0, colon);
  const bw = value.slice(colon + 1).trim();
  if (colon <= 0 || !TOKEN.test(type) || !DIGITS.test(bw) || bw.length > 15) throw new SdpError('SDP_MALFORMED', 'bad b= line', lineNo);
  return { type, value: Number(bw) };
}

function parseTiming(value: string, lineNo: number) {
  const f = fields(value);
  if (f.length !== 2 || !DIGITS.test(f[0]!) || !DIGITS.test(f[1]!)) throw new SdpError('SDP_MALFORMED', 'bad t= line', lineNo);
  return { start: f[0]!, stop: f[1]!, repeats: [] as string[] };
}

function parseMediaLine(value: string, lineNo: number): SdpMedia {
  const f = fields(value);
  // RFC 8866 §5.14: m=<media> <port>[/<n>] <proto> 1*(SP <fmt>). Some stacks send no format for
  // a rejected stream; we accept that rather than fail the whole offer.
  if (f.length < 3) throw new SdpError('SDP_MALFORMED', 'm= needs media, port and proto', lineNo);
  const [type, portField, proto, ...formats] = f as [string, string, string, ...string[]];
  if (!TOKEN.test(type)) throw new SdpError('SDP_MALFORMED', 'm= media is not a token', lineNo);
  const [portText, numText, ...more] = portField.split('/');
  if (!portText || !DIGITS.test(portText) || more.length || (numText !== undefined && !DIGITS.test(numText))) {
    throw new SdpError('SDP_MALFORMED', 'bad m= port', lineNo);
  }
  const port = Number(portText);
  if (port > 65535) throw new SdpError('SDP_MALFORMED', 'm= port above 65535', lineNo);
  const m: SdpMedia = { type, port, proto, formats, bandwidths: [], attributes: [], extra: [] };
  if (numText !== undefined) {
    const n = Number(numText);
    if (n < 1 || n > 65535) throw new SdpError('SDP_MALFORMED', 'bad m= number of ports', lineNo);
    m.numPorts = n;
  }
  return m;
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}
