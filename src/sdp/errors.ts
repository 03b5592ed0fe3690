import { AppError, type ErrorKind } from '../kit/index.js';

/**
 * Every failure of this module. Parsing returns it (never throws); helpers throw it for
 * programmer errors (a media index that does not exist, a port out of range).
 *
 * Codes:
 * - `SDP_MALFORMED`: the text is not a session description, or a structural line (v= o= c= m= t= b=)
 *   cannot be read. A UAS answers 400 (or 488 when it prefers to treat it as unacceptable).
 * - `SDP_UNSUPPORTED_VERSION`: v= is not 0 (RFC 8866 §5.1).
 * - `SDP_TOO_LARGE`: over `SdpLimits`.
 * - `SDP_NO_SUCH_MEDIA`, `SDP_NO_CONNECTION`, `SDP_BAD_ARGUMENT`: helper misuse or an SDP that lacks
 *   what the helper needs.
 */
export type SdpErrorCode =
  | 'SDP_MALFORMED'
  | 'SDP_UNSUPPORTED_VERSION'
  | 'SDP_TOO_LARGE'
  | 'SDP_NO_SUCH_MEDIA'
  | 'SDP_NO_CONNECTION'
  | 'SDP_BAD_ARGUMENT';

export class SdpError extends AppError {
  declare readonly code: SdpErrorCode;
  /** 1-based line number of the offending line, when the error comes from parsing one. */
  readonly line: number | undefined;

  constructor(code: SdpErrorCode, message: string, line?: number) {
    const kind: ErrorKind = code === 'SDP_TOO_LARGE' ? 'too_large' : code === 'SDP_UNSUPPORTED_VERSION' ? 'unsupported' : 'invalid';
    super(kind, code, line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'SdpError';
    this.line = line;
  }
}

export const isSdpError = (e: unknown): e is SdpError => e instanceof SdpError;
