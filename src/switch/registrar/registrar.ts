/**
 * REGISTER processing after authentication (RFC 3261 §10.3 steps 5–8): the To must be the
 * authenticated seat, every Contact gets an expiry within [min, max] (423 below the minimum),
 * `Contact: *` with `Expires: 0` removes all, out-of-order refreshes are refused, and the 200
 * lists every current binding with its expiry (§10.3 step 8).
 */
import { newId, type Clock } from '../../kit/index.js';
import { formatUri, type ContactValue, type SipRequest } from '../../sip/index.js';
import type { Location } from '../location/location.js';
import type { Binding, Seat, SipTransportKind } from '../seats/types.js';

export interface RegistrarPolicy {
  minExpires: number;
  maxExpires: number;
  /** Default when neither the Contact nor an Expires header says (RFC 3261 §10.2.1.1). */
  defaultExpires: number;
  maxBindingsPerSeat: number;
}

export const DEFAULT_REGISTRAR_POLICY: RegistrarPolicy = { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxBindingsPerSeat: 10 };

export interface RegisterSource {
  transport: SipTransportKind;
  address: string;
  port: number;
  connectionId?: string;
}

/** What the SIP server sends back: a status and extra headers (Contact list, Min-Expires, Date). */
export interface RegisterOutcome {
  status: number;
  reason?: string;
  headers: Array<[string, string]>;
  /** Whether the binding set of the seat changed (for logs). */
  changed: boolean;
}

const fail = (status: number, reason: string, headers: Array<[string, string]> = []): RegisterOutcome => ({ status, reason, headers, changed: false });

/** The key a Contact is matched by: +sip.instance and reg-id when present (RFC 5626 §6), else the URI. */
function contactKey(instanceId: string | null, regId: number | null, uri: string): string {
  return instanceId ? `i:${instanceId}:${regId ?? ''}` : `u:${uri.toLowerCase()}`;
}

export class Registrar {
  constructor(
    private readonly location: Location,
    private readonly clock: Clock,
    private readonly policy: RegistrarPolicy = DEFAULT_REGISTRAR_POLICY,
  ) {}

  async register(req: SipRequest, seat: Seat, source: RegisterSource): Promise<RegisterOutcome> {
    const to = req.to;
    const callId = req.callId;
    const cseq = req.cseq;
    if (!to || callId === undefined || !cseq) return fail(400, 'Bad Request');
    // §10.3 step 5: the address-of-record must be the authenticated seat's.
    if (to.uri.kind !== 'sip' || to.uri.user !== seat.number) return fail(403, 'Forbidden: To must be the authenticated seat');
    const contact = req.contact;
    const headerExpires = req.expires;
    const now = this.clock.now();
    const current = this.location.bindingsOf(seat.id);

    // A Contact that is there but does not parse is a bad request, not a query; a bad Expires is not "absent".
    if (contact === undefined && req.headers.has('contact')) return fail(400, 'Bad Request: malformed Contact');
    if (headerExpires === undefined && req.headers.has('expires')) return fail(400, 'Bad Request: malformed Expires');
    if (contact === undefined) return this.ok(seat, now, false); // a query (§10.2.3)

    if (contact.star) {
      // §10.3 step 6: `*` only with Expires: 0 and no other Contact.
      if (headerExpires !== 0 || req.headers.getAll('contact').length !== 1) return fail(400, 'Bad Request: Contact * needs Expires: 0 and no other Contact');
      // §10.3 step 6: a binding of the same Call-ID with a CSeq not below this one aborts the whole update.
      if (current.some((b) => b.callId === callId && b.cseq >= cseq.seq)) {
        return fail(500, 'Server Internal Error: out-of-order REGISTER', [['Retry-After', '1']]);
      }
      const remove = current.map((b) => b.id);
      await this.location.change(seat.tenantId, seat.id, [], remove);
      return this.ok(seat, now, remove.length > 0);
    }

    const stored = new Map(current.map((b) => [contactKey(b.instanceId, b.regId, b.contact), b]));
    const byKey = new Map(stored);
    const save: Binding[] = [];
    const remove: string[] = [];
    for (const c of contact.contacts) {
      const expires = this.expiryOf(c, headerExpires);
      if (expires === 'bad') return fail(400, 'Bad Request: bad expires');
      if (expires > 0 && expires < this.policy.minExpires) {
        return fail(423, 'Interval Too Brief', [['Min-Expires', String(this.policy.minExpires)]]);
      }
      if (c.uri.kind !== 'sip') return fail(400, 'Bad Request: Contact must be a sip or sips URI');
      const uri = formatUri(c.uri);
      const instanceId = paramText(c.params.get('+sip.instance'));
      const regIdRaw = c.params.get('reg-id');
      const regId = regIdRaw != null && /^\d{1,9}$/.test(regIdRaw) ? Number(regIdRaw) : null;
      const key = contactKey(instanceId, regId, uri);
      const existing = byKey.get(key);
      const before = stored.get(key);
      // Compared with what was stored before this request: the same Contact listed twice is not out of order.
      if (before && before.callId === callId && before.cseq >= cseq.seq) {
        // §10.3 step 7: an older or repeated request for the same Call-ID must not change anything.
        return fail(500, 'Server Internal Error: out-of-order REGISTER', [['Retry-After', '1']]);
      }
      if (expires === 0) {
        if (existing) {
          const i = save.findIndex((b) => b.id === existing.id);
          if (i >= 0) save.splice(i, 1);
          if (before) remove.push(existing.id);
        }
        byKey.delete(key);
        continue;
      }
      const binding: Binding = {
        id: existing?.id ?? newId(),
        tenantId: seat.tenantId,
        seatId: seat.id,
        number: seat.number,
        contact: uri,
        instanceId,
        regId,
        callId,
        cseq: cseq.seq,
        expiresAt: now + Math.min(expires, this.policy.maxExpires) * 1000,
        q: c.q ?? null,
        transport: source.transport,
        sourceAddress: source.address,
        sourcePort: source.port,
        connectionId: source.connectionId ?? null,
        userAgent: req.headers.get('user-agent')?.slice(0, 200) ?? null,
        path: req.headers.getAll('path'),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      const i = save.findIndex((b) => b.id === binding.id);
      if (i >= 0) save.splice(i, 1);
      save.push(binding);
      byKey.set(key, binding);
    }
    if (byKey.size > this.policy.maxBindingsPerSeat) return fail(403, `Forbidden: at most ${this.policy.maxBindingsPerSeat} devices per seat`);
    await this.location.change(seat.tenantId, seat.id, save, remove);
    return this.ok(seat, now, save.length > 0 || remove.length > 0);
  }

  private expiryOf(c: ContactValue, headerExpires: number | undefined): number | 'bad' {
    if (c.params.has('expires')) {
      const raw = c.params.get('expires');
      if (raw == null || !/^\d{1,10}$/.test(raw)) return 'bad';
      return Number(raw);
    }
    return headerExpires ?? this.policy.defaultExpires;
  }

  private ok(seat: Seat, now: number, changed: boolean): RegisterOutcome {
    const headers: Array<[string, string]> = this.location.bindingsOf(seat.id).map((b) => [
      'Contact',
      `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
    ]);
    headers.push(['Date', new Date(now).toUTCString()]);
    return { status: 200, headers, changed };
  }
}

function paramText(v: string | null | undefined): string | null {
  if (v == null) return null;
  const t = v.replace(/^"|"$/g, '');
  return t.length > 0 && t.length <= 200 ? t : null;
}
