import { AppError } from '../kit/index.js';

/** Reason phrases from RFC 3261 §21 (and the extensions we answer with). */
export const REASON_PHRASES: Readonly<Record<number, string>> = Object.freeze({
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
});

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status >= 200 && status < 300 ? 'OK' : 'Unknown');
}

/**
 * Why a message (or one header) was refused, with the SIP status a UAS would answer with.
 * For responses the status is only advice: a malformed response is dropped, never answered.
 */
export interface SipProblem {
  /** The SIP status to answer with (400, 505, 513, ...). */
  status: number;
  /** The standard reason phrase for `status`. */
  reason: string;
  /** Stable machine code, e.g. `SIP_BAD_CSEQ`. */
  code: string;
  /** Human detail for logs (never echo it to untrusted peers verbatim). */
  detail: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: SipProblem };

export function problem(status: number, code: string, detail: string): SipProblem {
  return { status, reason: reasonPhrase(status), code, detail };
}

/**
 * Thrown only inside the parsers and caught at their public boundary (they return `Parsed`),
 * or by builders given programmer errors (e.g. a To tag that is not a token).
 */
export class SipError extends AppError {
  readonly status: number;
  constructor(status: number, code: string, detail: string) {
    super(status === 513 ? 'too_large' : status === 415 ? 'unsupported' : 'invalid', code, detail);
    this.name = 'SipError';
    this.status = status;
  }
  toProblem(): SipProblem {
    return problem(this.status, this.code, this.message);
  }
}

/** Throw a 400-class syntax error (internal to parsers). */
export function syntax(code: string, detail: string, status = 400): never {
  throw new SipError(status, code, detail);
}

/** Run a parser, turning any exception into a typed problem: nothing escapes. */
export function attempt<T>(fn: () => T, code = 'SIP_MALFORMED'): Parsed<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof SipError) return { ok: false, error: e.toProblem() };
    // A bug in a parser must still not crash the process: report it as a malformed message.
    return { ok: false, error: problem(400, code, `parser failure: ${(e as Error)?.message ?? String(e)}`) };
  }
}
