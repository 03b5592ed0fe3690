/** The phone system: seats, registrar and location, the B2BUA for calls between seats, SIP admission. */
export type { Binding, RegistrationStatus, RegistrationView, Seat, SeatSecrets, SeatView, SipTransportKind } from './seats/types.js';
export type { BindingsRepo, SeatUsers, SeatsRepo } from './seats/ports.js';
export { SeatsService, registrationView, type NewSeat, type SeatChanges, type SeatBindings, type SeatsServiceDeps } from './seats/service.js';
export { SEAT_PASSWORD_LENGTH, generateSeatPassword, seatSecrets } from './seats/password.js';
export { Location, type LocationOptions } from './location/location.js';
export { DEFAULT_REGISTRAR_POLICY, Registrar, type RegistrarPolicy, type RegisterOutcome, type RegisterSource } from './registrar/registrar.js';
export { DEFAULT_GUARD_POLICY, SipGuard, type GuardPolicy, type SecurityEvent } from './security/guard.js';
export { Dialog, newCallId, newTag, type Flow, type LocalIdentity } from './dialog/dialog.js';
export { CALL_TRANSITIONS, CallState, assertCallTransition, type CallQuality, type CallRecord, type CallRecordingFile, type CallView, type EndReason } from './b2bua/call.js';
export { B2bua, RING_TIMEOUT_MS, type B2buaDeps } from './b2bua/b2bua.js';
export type { CallMedia, CallRelay, RelaySide, SipCore } from './b2bua/ports.js';
export { SipServer, type SipServerOptions, type SipTenant, type SipTenants } from './server/sip-server.js';
