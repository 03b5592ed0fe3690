/**
 * A control for tick lateness: an idle process running the same 20 ms absolute-deadline timer as
 * the engine's scheduler, over the same window. What it sees late is the machine's doing (other
 * processes, the hypervisor), not the engine's work.
 *   parent → {type:'start'}  …  parent → {type:'stop'}  child → {type:'probe', p50, p99, max}
 */
const lateness: number[] = [];
let timer: NodeJS.Timeout | null = null;
let next = 0;

function fire(): void {
  const now = performance.now();
  lateness.push(now - next);
  next += 20;
  while (next <= now) next += 20; // as the scheduler does when blocked: skip, do not bunch
  timer = setTimeout(fire, Math.max(0, next - performance.now()));
}

process.on('message', (m: { type: 'start' | 'stop' | 'exit' }) => {
  if (m.type === 'start') {
    lateness.length = 0;
    next = performance.now() + 20;
    timer = setTimeout(fire, 20);
  } else if (m.type === 'stop') {
    if (timer) clearTimeout(timer);
    const s = lateness.sort((a, b) => a - b);
    const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! : NaN);
    process.send!({ type: 'probe', p50: q(0.5), p99: q(0.99), max: q(1) });
  } else process.disconnect();
});
