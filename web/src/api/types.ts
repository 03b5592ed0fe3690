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
