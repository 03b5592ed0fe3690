import { Type, type Static } from '@sinclair/typebox';

export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('agent')]);
export const LocaleSchema = Type.Union([Type.Literal('en'), Type.Literal('zh-CN'), Type.Literal('zh-TW')]);

export const TenantOut = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  defaultRegion: Type.String(),
  timeZone: Type.String(),
});

export const UserOut = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  locale: Type.Union([Type.String(), Type.Null()]),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const MeOut = Type.Object({ user: Type.Intersect([UserOut, Type.Object({ tenant: TenantOut })]) });

export const SignInBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
export type SignInBody = Static<typeof SignInBody>;

export const PatchMeBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    locale: Type.Optional(Type.Union([LocaleSchema, Type.Null()])),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    currentPassword: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type PatchMeBody = Static<typeof PatchMeBody>;

export const SetupBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    tenantName: Type.String({ minLength: 1, maxLength: 100 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    defaultRegion: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  },
  { additionalProperties: false },
);
export type SetupBody = Static<typeof SetupBody>;

export const NewUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: RoleSchema,
    password: Type.String({ minLength: 1, maxLength: 200 }),
    locale: Type.Optional(Type.Union([LocaleSchema, Type.Null()])),
  },
  { additionalProperties: false },
);
export type NewUserBody = Static<typeof NewUserBody>;

export const PatchUserBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(RoleSchema),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type PatchUserBody = Static<typeof PatchUserBody>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const TokenOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  userId: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

export const NewTokenBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export type NewTokenBody = Static<typeof NewTokenBody>;

export const ErrorOut = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ path: Type.Optional(Type.String()), message: Type.String() }))),
  }),
});
