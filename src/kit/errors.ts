/**
 * Coded errors. Domains throw these with a stable code; the API maps codes to HTTP
 * status in one place (src/api/errors.ts), and later the SIP layer maps to SIP status.
 */
export type ErrorKind =
  | 'invalid' // the input is wrong: 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'too_large' // 413
  | 'unsupported' // 415
  | 'rate_limited' // 429
  | 'unavailable'; // 503

export interface ErrorDetail {
  path?: string;
  message: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: ErrorDetail[] | undefined;

  constructor(kind: ErrorKind, code: string, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export const invalid = (code: string, message: string, details?: ErrorDetail[]) =>
  new AppError('invalid', code, message, details);
export const notFound = (code: string, message: string) => new AppError('not_found', code, message);
export const conflict = (code: string, message: string) => new AppError('conflict', code, message);
export const forbidden = (code: string, message: string) => new AppError('forbidden', code, message);
export const unauthenticated = (code: string, message: string) =>
  new AppError('unauthenticated', code, message);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
