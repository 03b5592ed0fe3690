import { useEffect, useState } from 'react';

/** mm:ss (h:mm:ss past an hour) since `since`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

export function CallTimer({ since, until }: { since: number; until?: number | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until) return undefined;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [until]);
  return (
    <span className="hl-phone-timer" data-testid="phone-call-timer">
      {formatDuration((until ?? now) - since)}
    </span>
  );
}
