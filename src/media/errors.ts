import { AppError, type ErrorKind } from '../kit/index.js';

/**
 * Codes of the media engine. They cross the worker boundary as `{ code, message }` and are rebuilt
 * as `MediaError` on the main thread, so callers match on `code` whichever thread failed.
 */
export type MediaErrorCode =
  | 'MEDIA_BAD_OPTIONS' // engine options are invalid
  | 'MEDIA_BAD_PEER' // setPeer() got an address of another family, a bad port...
  | 'MEDIA_PORTS_EXHAUSTED' // no free even/odd port pair left in [portMin, portMax]
  | 'MEDIA_PORT_IN_USE' // another process holds a port of the range
  | 'MEDIA_BIND_FAILED' // binding failed for another reason (host not local...)
  | 'MEDIA_RELAY_CLOSED' // the relay was closed, or lost with its worker
  | 'MEDIA_ENGINE_CLOSED'
  | 'MEDIA_WORKER_CRASHED' // the worker died while the request was pending
  | 'MEDIA_WORKER_FAILED' // a worker could not start, or crashed too often to be respawned
  | 'MEDIA_BAD_AUDIO' // a WAV file or prompt that cannot be read (format, truncation, size)
  | 'MEDIA_BAD_REQUEST' // an operation with invalid arguments (unknown digit, bad codec, bad SDP...)
  | 'MEDIA_NOT_FOUND' // no such leg, bridge, conference, player or recording
  | 'MEDIA_IO_FAILED' // a recording or prompt file could not be written or read
  | 'MEDIA_WEBRTC_FAILED' // ICE/DTLS negotiation of a browser leg failed
  | 'MEDIA_INTERNAL'; // an unexpected error inside the worker

const KIND: Record<MediaErrorCode, ErrorKind> = {
  MEDIA_BAD_OPTIONS: 'invalid',
  MEDIA_BAD_PEER: 'invalid',
  MEDIA_PORTS_EXHAUSTED: 'unavailable',
  MEDIA_PORT_IN_USE: 'unavailable',
  MEDIA_BIND_FAILED: 'unavailable',
  MEDIA_RELAY_CLOSED: 'not_found',
  MEDIA_ENGINE_CLOSED: 'unavailable',
  MEDIA_WORKER_CRASHED: 'unavailable',
  MEDIA_WORKER_FAILED: 'unavailable',
  MEDIA_BAD_AUDIO: 'invalid',
  MEDIA_BAD_REQUEST: 'invalid',
  MEDIA_NOT_FOUND: 'not_found',
  MEDIA_IO_FAILED: 'unavailable',
  MEDIA_WEBRTC_FAILED: 'unavailable',
  MEDIA_INTERNAL: 'unavailable',
};

export class MediaError extends AppError {
  declare readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string) {
    super(KIND[code] ?? 'unavailable', code, message);
    this.name = 'MediaError';
  }
}

export const isMediaError = (e: unknown): e is MediaError => e instanceof MediaError;
