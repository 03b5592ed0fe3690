import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Bodies are validated strictly (no type coercion, unknown fields rejected by the
 * schemas' additionalProperties:false, never silently dropped); query strings and
 * path parameters are text on the wire, so they are coerced to the schema's types.
 */
export function installValidation(app: FastifyInstance): void {
  const opts = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
  const strict = new Ajv.default({ ...opts, coerceTypes: false });
  const lenient = new Ajv.default({ ...opts, coerceTypes: 'array' });
  addFormats.default(strict);
  addFormats.default(lenient);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
}
