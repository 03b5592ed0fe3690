/**
 * What the CRM needs from storage. src/store/repos/crm implements it with Kysely for
 * SQLite and PostgreSQL. Every method is tenant-scoped: a row of another tenant is
 * never read, changed or deleted.
 */
import type { SearchTerm } from './search.js';
import type {
  Activity,
  Contact,
  FilterMap,
  LookupMatch,
  Note,
  PhoneNumber,
  RecordMap,
  RecordType,
  SearchableType,
} from './types.js';

export interface ListQuery<T extends RecordType> {
  /** Exact-match filters (q excluded). */
  filter: Omit<FilterMap[T], 'q'>;
  /** Token terms (contacts, leads, companies): every term must prefix-match a token. */
  terms: SearchTerm[] | null;
  /** Case-insensitive substring of the title (deals, tickets, tasks). */
  contains: string | null;
  /** Return ids strictly below this (ids sort by creation time). */
  cursor: string | null;
  /** Rows to return at most. */
  limit: number;
}

export interface SearchHit {
  type: SearchableType;
  id: string;
}

/** A contact for bulk insert: ids and timestamps are assigned by the store. */
export type NewContactRow = Omit<Contact, 'id' | 'createdAt' | 'updatedAt' | 'companyName' | 'phones'> & {
  phones: Array<Omit<PhoneNumber, 'id'>>;
};

export interface CrmRepository {
  /** Runs fn in one database transaction; nested calls join the outer one. */
  transaction<R>(fn: (tx: CrmRepository) => Promise<R>): Promise<R>;

  /** Inserts the record with its phone numbers and search tokens. */
  insert<T extends RecordType>(tenantId: string, type: T, record: RecordMap[T]): Promise<void>;
  /** Replaces the record's row, phone numbers, links and search tokens. */
  update<T extends RecordType>(tenantId: string, type: T, record: RecordMap[T]): Promise<void>;
  get<T extends RecordType>(tenantId: string, type: T, id: string): Promise<RecordMap[T] | null>;
  /** In the order of `ids`; missing ones are skipped. */
  getMany<T extends RecordType>(tenantId: string, type: T, ids: readonly string[]): Promise<RecordMap[T][]>;
  /** Ids of the tenant's companies whose name is exactly one of `names` (first created wins). */
  companyIdsByName(tenantId: string, names: readonly string[]): Promise<Map<string, string>>;
  /** The subset of `ids` that exist in the tenant. */
  existing(tenantId: string, type: RecordType, ids: readonly string[]): Promise<Set<string>>;
  /**
   * Deletes the record, its phones, tokens, notes and timeline, and unlinks what
   * pointed at it (tasks, tickets, contacts, deals). False when it did not exist.
   */
  remove(tenantId: string, type: RecordType, id: string): Promise<boolean>;
  /** Newest first (id descending). */
  list<T extends RecordType>(tenantId: string, type: T, query: ListQuery<T>): Promise<RecordMap[T][]>;

  insertNote(tenantId: string, note: Note): Promise<void>;
  listNotes(tenantId: string, recordType: RecordType, recordId: string, cursor: string | null, limit: number): Promise<Note[]>;
  insertActivities(tenantId: string, activities: readonly Activity[]): Promise<void>;
  listActivities(
    tenantId: string,
    recordType: RecordType,
    recordId: string,
    cursor: string | null,
    limit: number,
  ): Promise<Activity[]>;

  /** Records matching every term, at most `limit`, through the token index only. */
  search(tenantId: string, terms: readonly SearchTerm[], limit: number): Promise<SearchHit[]>;
  /** Owners of the phone numbers whose canonical key equals `key`. */
  findByPhoneKey(tenantId: string, key: string): Promise<LookupMatch[]>;
  /** Multi-row inserts in chunks inside one transaction; returns the new ids in input order. */
  insertContactsBulk(tenantId: string, rows: readonly NewContactRow[], now?: string): Promise<string[]>;
}
