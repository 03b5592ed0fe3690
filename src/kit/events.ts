/**
 * The domain event bus. Domains publish facts; the WebSocket gateway, reports and
 * (later) the cluster's Redis fan-out subscribe. In one process this is in-memory;
 * in scale mode a Redis implementation sits behind the same interface.
 */
export interface DomainEvent<T = unknown> {
  /** e.g. 'record.created', 'record.updated', 'record.deleted' */
  type: string;
  tenantId: string;
  /** Roles allowed to see it; empty means every signed-in role of the tenant. */
  roles?: readonly string[];
  /** Users who see it whatever their role (e.g. a seat's own user); only with `roles`. */
  userIds?: readonly string[];
  at: string;
  data: T;
}

export type EventListener = (e: DomainEvent) => void;

export interface EventBus {
  publish(e: DomainEvent): void;
  subscribe(fn: EventListener): () => void;
}

/** Whether a signed-in actor may see an event: same tenant, and an allowed role or a named user. */
export function eventVisibleTo(e: DomainEvent, actor: { tenantId: string; role: string; userId: string }): boolean {
  if (e.tenantId !== actor.tenantId) return false;
  if (!e.roles?.length) return true;
  return e.roles.includes(actor.role) || (e.userIds?.includes(actor.userId) ?? false);
}

export class MemoryEventBus implements EventBus {
  private listeners = new Set<EventListener>();

  publish(e: DomainEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a failing subscriber must not stop the others nor the publisher
      }
    }
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
}
