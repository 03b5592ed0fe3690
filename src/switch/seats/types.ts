import type { SipTransportName } from '../../sip/index.js';

/** A seat: an extension number that is also the SIP username, optionally bound to a user (SPEC K1). */
export interface Seat {
  id: string;
  tenantId: string;
  number: string;
  userId: string | null;
  displayName: string | null;
  enabled: boolean;
  /** Digest realm the stored HA1 values were computed with. */
  realm: string;
  createdAt: string;
  updatedAt: string;
}

/** HA1 = H(number:realm:password) per digest algorithm (RFC 7616 §3.4.2, RFC 8760 §2). */
export interface SeatSecrets {
  md5: string;
  sha256: string;
  sha512_256: string;
}

/** The transport a phone uses (the SIP layer's name for it). */
export type SipTransportKind = SipTransportName;

/** A registrar binding (RFC 3261 §10.3): one device of a seat. */
export interface Binding {
  id: string;
  tenantId: string;
  seatId: string;
  /** The seat's number (its address-of-record user part). */
  number: string;
  /** The Contact URI as the device sent it (without header parameters). */
  contact: string;
  /** RFC 5626 +sip.instance and reg-id, when the device sends them. */
  instanceId: string | null;
  regId: number | null;
  callId: string;
  cseq: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  q: number | null;
  transport: SipTransportKind;
  sourceAddress: string;
  sourcePort: number;
  /** Stream transports: the connection the REGISTER came on (requests to the device reuse it). */
  connectionId: string | null;
  userAgent: string | null;
  /** RFC 3327 Path, outermost first. */
  path: string[];
  createdAt: number;
  updatedAt: number;
}

/** What the API and events show of a binding. */
export interface RegistrationView {
  id: string;
  contact: string;
  transport: SipTransportKind;
  source: string;
  userAgent: string | null;
  expiresAt: string;
}

export type RegistrationStatus = 'registered' | 'unregistered';

export interface SeatView {
  id: string;
  number: string;
  userId: string | null;
  userName: string | null;
  displayName: string | null;
  enabled: boolean;
  status: RegistrationStatus;
  registrations: RegistrationView[];
  createdAt: string;
  updatedAt: string;
}
