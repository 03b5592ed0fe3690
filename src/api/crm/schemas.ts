/**
 * TypeBox schemas of the CRM routes: bodies are strict (unknown fields → 400), query
 * strings are coerced by the app's validator. Shapes only; the domain re-checks
 * meaning (phone numbers, references, custom field limits).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import {
  ACTIVITY_KINDS,
  DEAL_STAGES,
  LEAD_STATUSES,
  PRIORITIES,
  RECORD_TYPES,
  TICKET_STATUSES,
  type RecordType,
} from '../../crm/index.js';
import { ID_PATTERN } from '../../kit/index.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Str = (max: number) => Type.String({ maxLength: max });
const Id = Type.String({ pattern: ID_PATTERN });
const NId = Nullable(Id);
const Enum = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const strict = { additionalProperties: false } as const;

export const ErrorOut = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ path: Type.Optional(Type.String()), message: Type.String() }))),
  }),
});
export const errorResponses = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut };

// ---- shared parts
const CustomIn = Type.Record(Type.String({ maxLength: 64 }), Type.Union([Str(2000), Type.Number(), Type.Boolean(), Type.Null()]), {
  maxProperties: 50,
});
const CustomOut = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]));
const PhoneIn = Type.Object({ id: Type.Optional(Id), label: Type.Optional(Str(40)), number: Str(64) }, strict);
const EmailIn = Type.Object({ label: Type.Optional(Str(40)), address: Str(254) }, strict);
export const PhoneOut = Type.Object({ id: Type.String(), label: Type.String(), raw: Type.String(), e164: Nullable(Type.String()) });
const EmailOut = Type.Object({ label: Type.String(), address: Type.String() });
const Phones = Type.Array(PhoneIn, { maxItems: 20 });
const Emails = Type.Array(EmailIn, { maxItems: 20 });
const Stamps = { id: Type.String(), createdAt: Type.String(), updatedAt: Type.String() };

// ---- inputs (create; update is the same with nothing required)
const personIn = {
  firstName: Type.Optional(Str(200)),
  lastName: Type.Optional(Str(200)),
  title: Type.Optional(Nullable(Str(200))),
  emails: Type.Optional(Emails),
  phones: Type.Optional(Phones),
  address: Type.Optional(Nullable(Str(500))),
  ownerId: Type.Optional(NId),
  custom: Type.Optional(CustomIn),
};

const inputs = {
  contact: { ...personIn, companyId: Type.Optional(NId) },
  lead: {
    ...personIn,
    companyName: Type.Optional(Nullable(Str(200))),
    status: Type.Optional(Enum(LEAD_STATUSES)),
    source: Type.Optional(Nullable(Str(200))),
  },
  company: {
    name: Str(200),
    website: Type.Optional(Nullable(Str(500))),
    address: Type.Optional(Nullable(Str(500))),
    industry: Type.Optional(Nullable(Str(200))),
    phones: Type.Optional(Phones),
    ownerId: Type.Optional(NId),
    custom: Type.Optional(CustomIn),
  },
  deal: {
    name: Str(200),
    stage: Type.Optional(Enum(DEAL_STAGES)),
    amount: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    currency: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$' })),
    companyId: Type.Optional(NId),
    contactIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
    ownerId: Type.Optional(NId),
    closeDate: Type.Optional(Nullable(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }))),
    custom: Type.Optional(CustomIn),
  },
  ticket: {
    subject: Str(200),
    description: Type.Optional(Nullable(Str(20000))),
    status: Type.Optional(Enum(TICKET_STATUSES)),
    priority: Type.Optional(Enum(PRIORITIES)),
    category: Type.Optional(Nullable(Str(200))),
    contactId: Type.Optional(NId),
    assigneeId: Type.Optional(NId),
    custom: Type.Optional(CustomIn),
  },
  task: {
    title: Str(200),
    notes: Type.Optional(Nullable(Str(20000))),
    dueAt: Type.Optional(Nullable(Str(40))),
    assigneeId: Type.Optional(NId),
    recordType: Type.Optional(Nullable(Enum(RECORD_TYPES))),
    recordId: Type.Optional(NId),
    done: Type.Optional(Type.Boolean()),
  },
} satisfies Record<RecordType, Record<string, TSchema>>;

/** Every property optional: PATCH sends only what changes. */
const partial = (props: Record<string, TSchema>) =>
  Type.Object(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])), strict);

export const CreateBody = Object.fromEntries(
  Object.entries(inputs).map(([t, props]) => [t, Type.Object(props, strict)]),
) as unknown as Record<RecordType, TSchema>;
export const UpdateBody = Object.fromEntries(Object.entries(inputs).map(([t, props]) => [t, partial(props)])) as unknown as Record<
  RecordType,
  TSchema
>;

// ---- outputs
const personOut = {
  ...Stamps,
  firstName: Type.String(),
  lastName: Type.String(),
  name: Type.String(),
  title: Nullable(Type.String()),
  emails: Type.Array(EmailOut),
  phones: Type.Array(PhoneOut),
  address: Nullable(Type.String()),
  ownerId: Nullable(Type.String()),
  custom: CustomOut,
};

export const RecordOut: Record<RecordType, TSchema> = {
  contact: Type.Object({ ...personOut, companyId: Nullable(Type.String()), companyName: Nullable(Type.String()) }),
  lead: Type.Object({
    ...personOut,
    companyName: Nullable(Type.String()),
    status: Type.String(),
    source: Nullable(Type.String()),
  }),
  company: Type.Object({
    ...Stamps,
    name: Type.String(),
    website: Nullable(Type.String()),
    address: Nullable(Type.String()),
    industry: Nullable(Type.String()),
    phones: Type.Array(PhoneOut),
    ownerId: Nullable(Type.String()),
    custom: CustomOut,
  }),
  deal: Type.Object({
    ...Stamps,
    name: Type.String(),
    stage: Type.String(),
    amount: Nullable(Type.Number()),
    currency: Type.String(),
    companyId: Nullable(Type.String()),
    contactIds: Type.Array(Type.String()),
    ownerId: Nullable(Type.String()),
    closeDate: Nullable(Type.String()),
    custom: CustomOut,
  }),
  ticket: Type.Object({
    ...Stamps,
    subject: Type.String(),
    description: Nullable(Type.String()),
    status: Type.String(),
    priority: Type.String(),
    category: Nullable(Type.String()),
    contactId: Nullable(Type.String()),
    assigneeId: Nullable(Type.String()),
    custom: CustomOut,
  }),
  task: Type.Object({
    ...Stamps,
    title: Type.String(),
    notes: Nullable(Type.String()),
    dueAt: Nullable(Type.String()),
    assigneeId: Nullable(Type.String()),
    recordType: Nullable(Type.String()),
    recordId: Nullable(Type.String()),
    done: Type.Boolean(),
    doneAt: Nullable(Type.String()),
  }),
};

export const pageOf = (item: TSchema) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

// ---- query strings
const page = {
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  q: Type.Optional(Str(200)),
};
const qId = Type.Optional(Id);
export const ListQuery: Record<RecordType, TSchema> = {
  contact: Type.Object({ ...page, ownerId: qId, companyId: qId }, strict),
  company: Type.Object({ ...page, ownerId: qId }, strict),
  lead: Type.Object({ ...page, ownerId: qId, status: Type.Optional(Enum(LEAD_STATUSES)) }, strict),
  deal: Type.Object({ ...page, ownerId: qId, companyId: qId, contactId: qId, stage: Type.Optional(Enum(DEAL_STAGES)) }, strict),
  ticket: Type.Object(
    { ...page, status: Type.Optional(Enum(TICKET_STATUSES)), priority: Type.Optional(Enum(PRIORITIES)), contactId: qId, assigneeId: qId },
    strict,
  ),
  task: Type.Object(
    { ...page, assigneeId: qId, done: Type.Optional(Type.Boolean()), recordType: Type.Optional(Enum(RECORD_TYPES)), recordId: qId },
    strict,
  ),
};

export const PageQuery = Type.Object({ cursor: page.cursor, limit: page.limit }, strict);
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, strict);
export const SearchQuery = Type.Object(
  { q: Type.String({ maxLength: 200 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) },
  strict,
);
export const LookupQuery = Type.Object({ number: Type.String({ minLength: 1, maxLength: 64 }) }, strict);
export const NoteBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 20000 }) }, strict);

export const NoteOut = Type.Object({
  id: Type.String(),
  recordType: Type.String(),
  recordId: Type.String(),
  authorId: Nullable(Type.String()),
  body: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const ActivityOut = Type.Object({
  id: Type.String(),
  recordType: Type.String(),
  recordId: Type.String(),
  kind: Enum(ACTIVITY_KINDS),
  summary: Type.String(),
  actorId: Nullable(Type.String()),
  data: Type.Object({}, { additionalProperties: true }),
  at: Type.String(),
});
export const SearchRowOut = Type.Object({
  type: Type.String(),
  id: Type.String(),
  name: Type.String(),
  subtitle: Nullable(Type.String()),
  phone: Nullable(PhoneOut),
  matchedBy: Type.String(),
});
export const LookupOut = Type.Object({
  items: Type.Array(Type.Object({ type: Type.String(), id: Type.String(), name: Type.String(), phone: PhoneOut })),
});
export const SearchOut = Type.Object({ items: Type.Array(SearchRowOut) });
