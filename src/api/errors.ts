import type { FastifyError, FastifyInstance } from 'fastify';
import { isAppError, type ErrorKind } from '../kit/index.js';

/** The one place where coded errors become HTTP status codes. */
export const HTTP_STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path?: string; message: string }> };
}

const body = (code: string, message: string, details?: ErrorBody['error']['details']): ErrorBody => ({
  error: details?.length ? { code, message, details } : { code, message },
});

// Fastify's own error codes for bad requests, each with our stable code.
const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_JSON', 'The request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MALFORMED_JSON', 'The request body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE', 'The request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'This content type is not accepted here'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_CONTENT_LENGTH', 'The content length does not match the body'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'BAD_CONTENT_TYPE', 'The content type header is malformed'],
};

/**
 * Installs the error and not-found handlers. With `spa`, GET requests outside /api
 * that match no route get the web app's index.html (client-side routes such as
 * /contacts/123); unknown /api paths stay coded 404s.
 */
export function installErrorHandling(app: FastifyInstance, opts: { spa?: boolean } = {}): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isAppError(err)) {
      return reply.status(HTTP_STATUS[err.kind]).send(body(err.code, err.message, err.details));
    }
    if (err.validation) {
      const details = err.validation.map((v) => {
        const path = `${err.validationContext ?? ''}${v.instancePath || ''}`.replace(/\//g, '.');
        const extra = (v.params as { additionalProperty?: string })?.additionalProperty;
        return { path: extra ? `${path}.${extra}` : path, message: extra ? 'unknown field' : (v.message ?? 'invalid') };
      });
      return reply.status(400).send(body('VALIDATION_FAILED', 'The request is not valid', details));
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) return reply.status(known[0]).send(body(known[1], known[2]));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(body('BAD_REQUEST', err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body('INTERNAL', 'Something went wrong on the server'));
  });
  app.setNotFoundHandler((req, reply) => {
    if (opts.spa && (req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api')) return reply.sendFile('index.html');
    return reply.status(404).send(body('ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`));
  });
}
