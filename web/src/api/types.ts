/** Record shapes returned by /api/v1 (camelCase). */

export type Role = 'owner' | 'admin' | 'supervisor' | 'agent';
export const ROLES: Role[] = ['owner', 'admin', 'supervisor', 'agent'];

export interface Tenant {
  id: string;
  name: string;
  slug: string;
  defaultRegion: string | null;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role | string;
  locale: string | null;
  tenant: Tenant;
}

export interface MeResponse {
  user: SessionUser;
}

export type PhoneLabel = 'mobile' | 'work' | 'home' | 'other';
export const PHONE_LABELS: PhoneLabel[] = ['mobile', 'work', 'home', 'other'];
export const EMAIL_LABELS = ['work', 'home', 'other'] as const;

export interface Phone {
  id: string;
  label: string;
  raw: string;
  e164: string | null;
}

export interface Email {
  label: string;
  address: string;
}

export interface BaseRecord {
  id: string;
  createdAt?: string;
  updatedAt?: string;
  custom?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Contact extends BaseRecord {
  firstName: string | null;
  lastName: string | null;
  name: string;
  title: string | null;
  phones: Phone[];
  emails: Email[];
  address: string | null;
  companyId: string | null;
  ownerId: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface TimelineItem {
  id: string;
  kind: string;
  summary: string;
  actorId: string | null;
  at: string;
  data: unknown;
}

export type SearchHitType = 'contact' | 'lead' | 'company';

export interface SearchHit {
  type: SearchHitType;
  id: string;
  name: string;
  subtitle: string | null;
  phone: Phone | null;
  matchedBy: string;
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role | string;
  disabled: boolean;
}

export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ImportJob {
  id: string;
  status: ImportStatus;
  totalRows: number;
  processedRows: number;
  createdRows: number;
  failedRows: number;
  errors: { row: number; field: string | null; message: string }[];
}

export interface ImportPreview {
  columns: string[];
  suggestedMapping: Record<string, string | null>;
  sampleRows: string[][];
  totalRows: number;
}

export interface LiveEvent {
  type: string;
  at: string;
  data: unknown;
}

/** SIP transports a phone can register over (ws is a browser phone's plain WebSocket). */
export type SipTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** One device registered on a seat (a seat may have several: desk phone, softphone…). */
export interface Registration {
  id: string;
  contact: string;
  transport: SipTransport;
  /** "ip:port" the REGISTER came from */
  source: string;
  userAgent: string | null;
  expiresAt: string;
}

export type SeatStatus = 'registered' | 'unregistered';

/** A SIP seat (extension); `number` is also its SIP username. */
export interface Seat {
  id: string;
  number: string;
  userId: string | null;
  userName: string | null;
  displayName: string | null;
  enabled: boolean;
  status: SeatStatus;
  registrations: Registration[];
  createdAt: string;
  updatedAt: string;
}

export interface SipTransportSetting {
  transport: Exclude<SipTransport, 'ws'>;
  host: string;
  port: number;
  /** wss only, e.g. wss://host/sip */
  url?: string;
}

/** What a phone needs besides its username and password (GET /api/v1/sip/settings). */
export interface SipSettings {
  /** what a phone puts as domain/server, e.g. "192.168.1.5" */
  domain: string;
  realm: string;
  transports: SipTransportSetting[];
}

export interface MySeatResponse {
  seat: Seat | null;
  settings: SipSettings;
}
