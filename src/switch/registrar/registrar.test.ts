import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../kit/index.js';
import { parseMessage, type SipRequest } from '../../sip/index.js';
import { Location } from '../location/location.js';
import type { Seat } from '../seats/types.js';
import { MemoryBindingsRepo, RecordingBus, settle } from '../testing.js';
import { DEFAULT_REGISTRAR_POLICY, Registrar, type RegisterSource } from './registrar.js';

const seat: Seat = {
  id: 'seat-1001',
  tenantId: 't1',
  number: '1001',
  userId: null,
  displayName: null,
  enabled: true,
  realm: 'demo',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const source: RegisterSource = { transport: 'udp', address: '192.0.2.10', port: 5062 };

function register(opts: { contacts?: string[]; expires?: number | null; callId?: string; cseq?: number; to?: string; extra?: string[] } = {}): SipRequest {
  const lines = [
    'REGISTER sip:demo.test SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK' + Math.random().toString(36).slice(2),
    'Max-Forwards: 70',
    `From: <sip:1001@demo.test>;tag=abc`,
    `To: ${opts.to ?? '<sip:1001@demo.test>'}`,
    `Call-ID: ${opts.callId ?? 'call-1'}`,
    `CSeq: ${opts.cseq ?? 1} REGISTER`,
    ...(opts.contacts ?? ['<sip:1001@192.0.2.10:5062>']).map((c) => `Contact: ${c}`),
    ...(opts.expires === null || opts.expires === undefined ? [] : [`Expires: ${opts.expires}`]),
    'User-Agent: test-phone/1.0',
    ...(opts.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  const r = parseMessage(lines.join('\r\n'));
  if (r.kind !== 'message' || r.message.kind !== 'request') throw new Error('bad test message: ' + JSON.stringify(r));
  return r.message;
}

describe('Registrar', () => {
  let clock: FakeClock;
  let repo: MemoryBindingsRepo;
  let bus: RecordingBus;
  let location: Location;
  let registrar: Registrar;

  beforeEach(async () => {
    clock = new FakeClock();
    repo = new MemoryBindingsRepo();
    bus = new RecordingBus();
    location = new Location({ repo, clock, events: bus });
    await location.start();
    registrar = new Registrar(location, clock, { ...DEFAULT_REGISTRAR_POLICY, maxBindingsPerSeat: 3 });
  });

  const contactsOf = (headers: Array<[string, string]>) => headers.filter(([n]) => n === 'Contact').map(([, v]) => v);

  it('keeps several bindings per seat and lists them all in the 200', async () => {
    const a = await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062>'], callId: 'desk', expires: 600 }), seat, source);
    expect(a.status).toBe(200);
    const b = await registrar.register(register({ contacts: ['<sip:1001@192.0.2.11:5060>'], callId: 'soft', expires: 300 }), seat, { ...source, address: '192.0.2.11', port: 5060 });
    expect(b.status).toBe(200);
    expect(location.bindingsOf(seat.id).map((x) => x.contact).sort()).toEqual(['sip:1001@192.0.2.10:5062', 'sip:1001@192.0.2.11:5060']);
    expect(contactsOf(b.headers).sort()).toEqual(['<sip:1001@192.0.2.10:5062>;expires=600', '<sip:1001@192.0.2.11:5060>;expires=300']);
    expect(b.headers.some(([n]) => n === 'Date')).toBe(true);
    expect(repo.rows.size).toBe(2);
  });

  it('updates the expiry of a binding on refresh instead of adding one', async () => {
    await registrar.register(register({ expires: 600, cseq: 1 }), seat, source);
    const id = location.bindingsOf(seat.id)[0]!.id;
    clock.advance(300_000);
    const r = await registrar.register(register({ expires: 600, cseq: 2 }), seat, source);
    expect(r.status).toBe(200);
    const list = location.bindingsOf(seat.id);
    expect(list).toHaveLength(1);
    expect(list[0]!.id).toBe(id);
    expect(list[0]!.expiresAt).toBe(clock.now() + 600_000);
    expect(list[0]!.cseq).toBe(2);
    expect(repo.rows.get(id)!.expiresAt).toBe(clock.now() + 600_000);
  });

  it('prefers the contact expires parameter over the Expires header, and defaults without either', async () => {
    await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062>;expires=120', '<sip:1001@192.0.2.10:5064>'], expires: 900 }), seat, source);
    const byContact = new Map(location.bindingsOf(seat.id).map((b) => [b.contact, b.expiresAt - clock.now()]));
    expect(byContact.get('sip:1001@192.0.2.10:5062')).toBe(120_000);
    expect(byContact.get('sip:1001@192.0.2.10:5064')).toBe(900_000);
    await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5066>'], callId: 'other', expires: null }), seat, source);
    expect(location.bindingsOf(seat.id).find((b) => b.contact.endsWith(':5066'))!.expiresAt - clock.now()).toBe(DEFAULT_REGISTRAR_POLICY.defaultExpires * 1000);
  });

  it('answers 423 with Min-Expires below the minimum, but accepts 0 as a removal', async () => {
    const r = await registrar.register(register({ expires: 30 }), seat, source);
    expect(r.status).toBe(423);
    expect(r.headers).toContainEqual(['Min-Expires', String(DEFAULT_REGISTRAR_POLICY.minExpires)]);
    expect(location.bindingsOf(seat.id)).toHaveLength(0);
    const p = await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062>;expires=1'], cseq: 2 }), seat, source);
    expect(p.status).toBe(423);
    expect((await registrar.register(register({ expires: 60, cseq: 3 }), seat, source)).status).toBe(200);
    expect((await registrar.register(register({ expires: 0, cseq: 4 }), seat, source)).status).toBe(200);
    expect(location.bindingsOf(seat.id)).toHaveLength(0);
    expect(repo.rows.size).toBe(0);
  });

  it('caps the expiry at the maximum', async () => {
    const r = await registrar.register(register({ expires: 99_999 }), seat, source);
    expect(r.status).toBe(200);
    expect(location.bindingsOf(seat.id)[0]!.expiresAt).toBe(clock.now() + DEFAULT_REGISTRAR_POLICY.maxExpires * 1000);
    expect(contactsOf(r.headers)).toEqual([`<sip:1001@192.0.2.10:5062>;expires=${DEFAULT_REGISTRAR_POLICY.maxExpires}`]);
  });

  it('refuses a bad expires parameter, a bad Expires header or a malformed Contact with 400', async () => {
    const r = await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062>;expires=soon'] }), seat, source);
    expect(r.status).toBe(400);
    expect((await registrar.register(register({ extra: ['Expires: soon'] }), seat, source)).status).toBe(400);
    expect((await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062'] }), seat, source)).status).toBe(400);
    expect(location.bindingsOf(seat.id)).toHaveLength(0);
  });

  it('removes every binding for Contact: * with Expires: 0', async () => {
    await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062>'], callId: 'a' }), seat, source);
    await registrar.register(register({ contacts: ['<sip:1001@192.0.2.11:5062>'], callId: 'b' }), seat, source);
    expect(location.bindingsOf(seat.id)).toHaveLength(2);
    const r = await registrar.register(register({ contacts: ['*'], expires: 0, callId: 'c' }), seat, source);
    expect(r.status).toBe(200);
    expect(r.changed).toBe(true);
    expect(contactsOf(r.headers)).toEqual([]);
    expect(location.bindingsOf(seat.id)).toHaveLength(0);
    expect(repo.rows.size).toBe(0);
  });

  it('refuses Contact: * without Expires: 0, or with another Contact, with 400', async () => {
    await registrar.register(register({ callId: 'a' }), seat, source);
    expect((await registrar.register(register({ contacts: ['*'], callId: 'c' }), seat, source)).status).toBe(400);
    expect((await registrar.register(register({ contacts: ['*'], expires: 60, callId: 'c', cseq: 2 }), seat, source)).status).toBe(400);
    expect((await registrar.register(register({ contacts: ['*', '<sip:1001@192.0.2.9>'], expires: 0, callId: 'c', cseq: 3 }), seat, source)).status).toBe(400);
    expect(location.bindingsOf(seat.id)).toHaveLength(1);
  });

  it('refuses a To that is not the authenticated seat with 403', async () => {
    const r = await registrar.register(register({ to: '<sip:1002@demo.test>' }), seat, source);
    expect(r.status).toBe(403);
    expect(location.bindingsOf(seat.id)).toHaveLength(0);
    expect(repo.applied).toHaveLength(0);
  });

  it('answers 500 to an out-of-order or repeated CSeq for the same Call-ID and changes nothing', async () => {
    await registrar.register(register({ cseq: 5, expires: 600 }), seat, source);
    const before = location.bindingsOf(seat.id).map((b) => ({ ...b }));
    const writes = repo.applied.length;
    clock.advance(10_000);
    for (const cseq of [4, 5]) {
      const r = await registrar.register(register({ cseq, expires: 0 }), seat, source);
      expect(r.status).toBe(500);
      expect(r.headers).toContainEqual(['Retry-After', '1']);
    }
    // A lower CSeq that would add a second contact changes nothing either.
    const r = await registrar.register(register({ cseq: 3, contacts: ['<sip:1001@192.0.2.10:5064>', '<sip:1001@192.0.2.10:5062>'] }), seat, source);
    expect(r.status).toBe(500);
    expect(location.bindingsOf(seat.id)).toEqual(before);
    expect(repo.applied.length).toBe(writes);
    // Another Call-ID (the phone rebooted) may replace it with any CSeq.
    expect((await registrar.register(register({ callId: 'call-2', cseq: 1, expires: 0 }), seat, source)).status).toBe(200);
    expect(location.bindingsOf(seat.id)).toHaveLength(0);
  });

  it('refuses Contact: * with an out-of-order CSeq for a binding of the same Call-ID and removes nothing', async () => {
    await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062>'], callId: 'a', cseq: 7 }), seat, source);
    await registrar.register(register({ contacts: ['<sip:1001@192.0.2.11:5062>'], callId: 'b', cseq: 1 }), seat, source);
    const r = await registrar.register(register({ contacts: ['*'], expires: 0, callId: 'a', cseq: 6 }), seat, source);
    expect(r.status).toBe(500);
    expect(location.bindingsOf(seat.id)).toHaveLength(2);
    expect((await registrar.register(register({ contacts: ['*'], expires: 0, callId: 'a', cseq: 8 }), seat, source)).status).toBe(200);
    expect(location.bindingsOf(seat.id)).toHaveLength(0);
  });

  it('accepts the same Contact twice in one REGISTER (not an out-of-order request)', async () => {
    const r = await registrar.register(register({ contacts: ['<sip:1001@192.0.2.10:5062>', '<sip:1001@192.0.2.10:5062>;expires=120'] }), seat, source);
    expect(r.status).toBe(200);
    expect(location.bindingsOf(seat.id)).toHaveLength(1);
  });

  it('matches bindings by +sip.instance and reg-id, whatever the contact URI', async () => {
    const inst = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    await registrar.register(register({ contacts: [`<sip:1001@192.0.2.10:5062>;+sip.instance=${inst};reg-id=1`], callId: 'x', cseq: 1 }), seat, source);
    const first = location.bindingsOf(seat.id)[0]!;
    expect(first.instanceId).toBe('<urn:uuid:00000000-0000-1000-8000-000A95A0E128>');
    expect(first.regId).toBe(1);
    // The phone moved to another address (new Call-ID after a reboot): same binding, new contact.
    await registrar.register(register({ contacts: [`<sip:1001@198.51.100.4:40000>;+sip.instance=${inst};reg-id=1`], callId: 'y', cseq: 1 }), seat, source);
    const list = location.bindingsOf(seat.id);
    expect(list).toHaveLength(1);
    expect(list[0]!.id).toBe(first.id);
    expect(list[0]!.contact).toBe('sip:1001@198.51.100.4:40000');
    // Another reg-id of the same instance is a second flow.
    await registrar.register(register({ contacts: [`<sip:1001@198.51.100.4:40002>;+sip.instance=${inst};reg-id=2`], callId: 'y', cseq: 2 }), seat, source);
    expect(location.bindingsOf(seat.id)).toHaveLength(2);
  });

  it('limits the bindings per seat with 403 and keeps the ones there', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await registrar.register(register({ contacts: [`<sip:1001@192.0.2.${20 + i}>`], callId: `c${i}` }), seat, source)).status).toBe(200);
    }
    const r = await registrar.register(register({ contacts: ['<sip:1001@192.0.2.99>'], callId: 'c9' }), seat, source);
    expect(r.status).toBe(403);
    expect(location.bindingsOf(seat.id)).toHaveLength(3);
    // A refresh of an existing one still works at the limit.
    expect((await registrar.register(register({ contacts: ['<sip:1001@192.0.2.20>'], callId: 'c0', cseq: 2 }), seat, source)).status).toBe(200);
  });

  it('answers a query (no Contact) with the current bindings and changes nothing', async () => {
    await registrar.register(register({ expires: 600 }), seat, source);
    clock.advance(100_000);
    const writes = repo.applied.length;
    const r = await registrar.register(register({ contacts: [], cseq: 2 }), seat, source);
    expect(r.status).toBe(200);
    expect(r.changed).toBe(false);
    expect(contactsOf(r.headers)).toEqual(['<sip:1001@192.0.2.10:5062>;expires=500']);
    expect(repo.applied.length).toBe(writes);
  });

  it('records the source, transport, user agent and Path of a binding', async () => {
    await registrar.register(register({ extra: ['Path: <sip:edge.example;lr>'] }), seat, { transport: 'tcp', address: '192.0.2.10', port: 40123, connectionId: 'conn-7' });
    const b = location.bindingsOf(seat.id)[0]!;
    expect(b).toMatchObject({ transport: 'tcp', sourceAddress: '192.0.2.10', sourcePort: 40123, connectionId: 'conn-7', userAgent: 'test-phone/1.0', path: ['<sip:edge.example;lr>'], number: '1001', tenantId: 't1' });
  });

  it('publishes seat.registration when the set of bindings changes, not on a refresh', async () => {
    await registrar.register(register({ cseq: 1 }), seat, source);
    await registrar.register(register({ cseq: 2 }), seat, source);
    await registrar.register(register({ cseq: 3, expires: 0 }), seat, source);
    await settle();
    const ev = bus.ofType('seat.registration');
    expect(ev.map((e) => (e.data as { status: string }).status)).toEqual(['registered', 'unregistered']);
    expect(ev[1]!.data).toMatchObject({ seatId: seat.id, number: '1001', registrations: [] });
  });
});
