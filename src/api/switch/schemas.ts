import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Transport = Type.Union([Type.Literal('udp'), Type.Literal('tcp'), Type.Literal('tls'), Type.Literal('ws'), Type.Literal('wss')]);
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const RegistrationOut = Type.Object({
  id: Type.String(),
  contact: Type.String(),
  transport: Transport,
  source: Type.String(),
  userAgent: Nullable(Type.String()),
  expiresAt: Type.String(),
});

export const SeatOut = Type.Object({
  id: Type.String(),
  number: Type.String(),
  userId: Nullable(Type.String()),
  userName: Nullable(Type.String()),
  displayName: Nullable(Type.String()),
  enabled: Type.Boolean(),
  status: Type.Union([Type.Literal('registered'), Type.Literal('unregistered')]),
  registrations: Type.Array(RegistrationOut),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const SipSettingsOut = Type.Object({
  domain: Type.String(),
  realm: Type.String(),
  transports: Type.Array(
    Type.Object({
      transport: Type.Union([Type.Literal('udp'), Type.Literal('tcp'), Type.Literal('tls'), Type.Literal('wss'), Type.Literal('ws')]),
      host: Type.String(),
      port: Type.Integer(),
      url: Type.Optional(Type.String()),
    }),
  ),
});

export const NewSeatBody = Type.Object(
  {
    number: Type.String({ minLength: 1, maxLength: 20 }),
    userId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    displayName: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  },
  { additionalProperties: false },
);
export type NewSeatBody = Static<typeof NewSeatBody>;

export const PatchSeatBody = Type.Object(
  {
    userId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    displayName: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PatchSeatBody = Static<typeof PatchSeatBody>;

export const PasswordOut = Type.Object({ password: Type.String() });

/** What a live call and a logged call both say. */
const callFields = {
  id: Type.String(),
  from: Type.String(),
  to: Type.String(),
  startedAt: Type.String(),
  answeredAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  endReason: Nullable(Type.String()),
  status: Type.Union([Type.Integer(), Type.Null()]),
};

export const CallOut = Type.Object({
  ...callFields,
  state: Type.String(),
  heldBy: Nullable(Type.String()),
  recording: Type.String(),
});

export const RecordingBody = Type.Object({ action: Type.Union([Type.Literal('start'), Type.Literal('pause'), Type.Literal('resume'), Type.Literal('stop')]) }, { additionalProperties: false });

export const IceServerOut = Type.Object({
  urls: Type.Union([Type.String(), Type.Array(Type.String())]),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});

/** What the web app's phone needs: it registers over the same-origin WebSocket with the session. */
export const MyPhoneOut = Type.Object({
  seatId: Type.String(),
  number: Type.String(),
  /** The seat's address-of-record, e.g. sip:1001@pbx.example.com. */
  uri: Type.String(),
  displayName: Type.String(),
  /** Same-origin path of the SIP WebSocket (ws: or wss: as the page is http: or https:). */
  webSocketPath: Type.String(),
  iceServers: Type.Array(IceServerOut),
});

const QualityOut = Nullable(
  Type.Object({
    packetsIn: Type.Integer(),
    packetsOut: Type.Integer(),
    lost: Type.Integer(),
    lossPercent: Type.Number(),
    jitterMs: Type.Number(),
    rttMs: Nullable(Type.Number()),
    mos: Nullable(Type.Number()),
  }),
);

export const CallRecordOut = Type.Object({
  ...callFields,
  quality: Nullable(Type.Object({ a: QualityOut, b: QualityOut })),
  recordings: Type.Array(Type.Object({ path: Type.String(), bytes: Type.Integer(), durationMs: Type.Number(), sha256: Type.String() })),
});

export const CallHistoryQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), before: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);

export const RecordingNoticeBody = Type.Object(
  { language: Type.Union([Type.Literal('en'), Type.Literal('zh-CN'), Type.Literal('zh-TW'), Type.Null()]) },
  { additionalProperties: false },
);
