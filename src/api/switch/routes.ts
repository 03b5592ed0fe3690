import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { roleAtLeast } from '../../accounts/index.js';
import type { IceServer } from '../../config/index.js';
import { forbidden, notFound } from '../../kit/index.js';
import type { CallRecord, CallView, SeatView, SeatsService } from '../../switch/index.js';
import { ErrorOut, IdParams } from '../accounts/schemas.js';
import { CallHistoryQuery, CallOut, CallRecordOut, MyPhoneOut, NewSeatBody, PasswordOut, PatchSeatBody, RecordingBody, RecordingNoticeBody, SeatOut, SipSettingsOut } from './schemas.js';

export interface SipSettings {
  domain: string;
  realm: string;
  transports: { transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss'; host: string; port: number; url?: string }[];
}

export interface SwitchRoutesOptions {
  seats: SeatsService;
  /** What a phone needs to know to register to this tenant (SPEC A2). */
  settings(tenantId: string): Promise<SipSettings>;
  /** Live calls of a tenant. */
  calls(tenantId: string): CallView[];
  /** ICE servers for the web app's phone (HOTLINE_WEBRTC_ICE_SERVERS). */
  iceServers?: IceServer[];
  /** Finished calls (the call log) and the tenant's recording announcement. */
  callLog?: {
    list(tenantId: string, opts: { limit: number; before?: string }): Promise<CallRecord[]>;
    get(tenantId: string, id: string): Promise<CallRecord | null>;
    recordingNotice(tenantId: string): Promise<string | null>;
    setRecordingNotice(tenantId: string, language: string | null): Promise<void>;
  };
  /** Start, pause, resume or stop recording a live call (SPEC D2). */
  recordCall?(tenantId: string, callId: string, action: 'start' | 'pause' | 'resume' | 'stop'): Promise<CallView>;
}

/** The path of the SIP WebSocket route (src/api/server.ts). */
export const SIP_WEBSOCKET_PATH = '/sip';

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut };

const callOut = (c: CallView) => {
  const { tenantId: _t, ...rest } = c;
  return rest;
};

/** Seats (admins manage them; each user sees their own), SIP settings, live calls. */
export const switchRoutes =
  (opts: SwitchRoutesOptions): FastifyPluginAsync =>
  async (app) => {
    const { seats } = opts;
    const tags = ['seats'];

    app.get('/seats', { config: { role: 'admin' }, schema: { tags, response: { 200: Type.Object({ items: Type.Array(SeatOut) }), ...errors } } }, async (req) => ({
      items: await seats.list(req.actor.tenantId),
    }));

    app.post<{ Body: NewSeatBody }>(
      '/seats',
      { config: { role: 'admin' }, schema: { tags, body: NewSeatBody, response: { 201: Type.Object({ seat: SeatOut, password: Type.String() }), ...errors } } },
      async (req, reply) => reply.status(201).send(await seats.create(req.actor.tenantId, req.body)),
    );

    app.get<{ Params: IdParams }>('/seats/:id', { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: SeatOut, ...errors } } }, async (req) =>
      seats.get(req.actor.tenantId, req.params.id),
    );

    app.patch<{ Params: IdParams; Body: PatchSeatBody }>(
      '/seats/:id',
      { config: { role: 'admin' }, schema: { tags, params: IdParams, body: PatchSeatBody, response: { 200: Type.Object({ seat: SeatOut }), ...errors } } },
      async (req) => ({ seat: await seats.update(req.actor.tenantId, req.params.id, req.body) }),
    );

    app.delete<{ Params: IdParams }>('/seats/:id', { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { ...errors } } }, async (req, reply) => {
      await seats.remove(req.actor.tenantId, req.params.id);
      return reply.status(204).send();
    });

    app.post<{ Params: IdParams }>(
      '/seats/:id/password',
      { config: { role: 'admin' }, schema: { tags, params: IdParams, response: { 200: PasswordOut, ...errors } } },
      async (req) => ({ password: await seats.resetPassword(req.actor.tenantId, req.params.id) }),
    );

    app.get('/me/seat', { schema: { tags, response: { 200: Type.Object({ seat: Type.Union([SeatOut, Type.Null()]), settings: SipSettingsOut }), ...errors } } }, async (req) => {
      const [seat, settings] = await Promise.all([seats.ofUser(req.actor.tenantId, req.actor.userId), opts.settings(req.actor.tenantId)]);
      return { seat: seat satisfies SeatView | null, settings };
    });

    app.get('/me/phone', { schema: { tags, response: { 200: MyPhoneOut, ...errors } } }, async (req) => {
      const [seat, settings] = await Promise.all([seats.ofUser(req.actor.tenantId, req.actor.userId), opts.settings(req.actor.tenantId)]);
      if (!seat) throw notFound('SEAT_NOT_FOUND', 'you have no seat');
      if (!seat.enabled) throw forbidden('SEAT_DISABLED', 'your seat is disabled');
      return {
        seatId: seat.id,
        number: seat.number,
        uri: `sip:${seat.number}@${settings.domain}`,
        displayName: seat.displayName ?? seat.userName ?? seat.number,
        webSocketPath: SIP_WEBSOCKET_PATH,
        iceServers: opts.iceServers ?? [],
      };
    });

    const recordOut = (c: CallRecord) => {
      const { tenantId: _t, state: _s, heldBy: _h, recording: _r, ...rest } = c;
      return rest;
    };

    app.get(
      '/calls/history',
      { config: { role: 'supervisor' }, schema: { tags: ['calls'], querystring: CallHistoryQuery, response: { 200: Type.Object({ items: Type.Array(CallRecordOut) }), ...errors } } },
      async (req) => {
        const q = req.query as { limit?: number; before?: string };
        const items = opts.callLog ? await opts.callLog.list(req.actor.tenantId, { limit: q.limit ?? 50, ...(q.before ? { before: q.before } : {}) }) : [];
        return { items: items.map(recordOut) };
      },
    );

    app.get('/calls/history/:id', { config: { role: 'supervisor' }, schema: { tags: ['calls'], params: IdParams, response: { 200: CallRecordOut, ...errors } } }, async (req) => {
      const c = await opts.callLog?.get(req.actor.tenantId, (req.params as { id: string }).id);
      if (!c) throw notFound('CALL_NOT_FOUND', 'no such call in the log');
      return recordOut(c);
    });

    app.get('/sip/recording-notice', { config: { role: 'admin' }, schema: { tags, response: { 200: RecordingNoticeBody, ...errors } } }, async (req) => ({
      language: ((await opts.callLog?.recordingNotice(req.actor.tenantId)) ?? null) as 'en' | null,
    }));

    app.put('/sip/recording-notice', { config: { role: 'admin' }, schema: { tags, body: RecordingNoticeBody, response: { 200: RecordingNoticeBody, ...errors } } }, async (req) => {
      const { language } = req.body as { language: string | null };
      await opts.callLog?.setRecordingNotice(req.actor.tenantId, language);
      return { language: language as 'en' | null };
    });

    // Supervisors record any call of the tenant; an agent records the calls of their own seat.
    app.post(
      '/calls/:id/recording',
      { schema: { tags: ['calls'], params: IdParams, body: RecordingBody, response: { 200: CallOut, ...errors } } },
      async (req) => {
        const { id } = req.params as { id: string };
        const { action } = req.body as { action: 'start' | 'pause' | 'resume' | 'stop' };
        const call = opts.calls(req.actor.tenantId).find((c) => c.id === id);
        if (!call || !opts.recordCall) throw notFound('CALL_NOT_FOUND', `no live call ${id}`);
        if (!roleAtLeast(req.actor.role, 'supervisor')) {
          const seat = await seats.ofUser(req.actor.tenantId, req.actor.userId);
          if (!seat || (seat.number !== call.from && seat.number !== call.to)) throw forbidden('CALL_NOT_YOURS', 'only a supervisor or an agent on the call can record it');
        }
        return callOut(await opts.recordCall(req.actor.tenantId, id, action));
      },
    );

    app.post('/me/seat/password', { schema: { tags, response: { 200: PasswordOut, ...errors } } }, async (req) => {
      const seat = await seats.ofUser(req.actor.tenantId, req.actor.userId);
      if (!seat) throw notFound('SEAT_NOT_FOUND', 'you have no seat');
      return { password: await seats.resetPassword(req.actor.tenantId, seat.id) };
    });

    app.get('/sip/settings', { schema: { tags, response: { 200: SipSettingsOut, ...errors } } }, async (req) => opts.settings(req.actor.tenantId));

    app.get('/calls', { config: { role: 'supervisor' }, schema: { tags: ['calls'], response: { 200: Type.Object({ items: Type.Array(CallOut) }), ...errors } } }, async (req) => ({
      items: opts.calls(req.actor.tenantId).map(callOut),
    }));
  };
