/**
 * The silent half of ringing, for when the tone cannot play or the tab is in the background: the
 * tab title flashes the caller, and a desktop notification shows when the user allowed them.
 */
export class CallAttention {
  private timer: ReturnType<typeof setInterval> | null = null;
  private title: string | null = null;
  private notification: Notification | null = null;

  start(text: string): void {
    this.stop();
    this.title = document.title;
    let on = false;
    this.timer = setInterval(() => {
      on = !on;
      document.title = on ? text : (this.title ?? '');
    }, 1000);
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      try {
        this.notification = new Notification(text, { tag: 'hotline-incoming-call', requireInteraction: true });
        this.notification.onclick = () => window.focus();
      } catch {
        // some browsers allow notifications only from a service worker
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.title !== null) document.title = this.title;
    this.title = null;
    this.notification?.close();
    this.notification = null;
  }
}

/** Whether asking for notification permission makes sense (not yet asked, and supported). */
export function canAskNotifications(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'default';
}
