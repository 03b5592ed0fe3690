/**
 * DTMF carried in SIP INFO, as many desk phones send it: `application/dtmf-relay` (`Signal=5`,
 * `Duration=160`, the de-facto format of Cisco and most vendors) and `application/dtmf` (the digit
 * alone). Neither is standardised beyond RFC 6086's framework, hence a lenient reader.
 */
const DIGIT = /^[0-9*#A-D]$/;
/** RFC 4733 event codes some phones put in Signal= instead of the character. */
const BY_CODE = '0123456789*#ABCD';

export function parseInfoDtmf(contentType: string, body: Buffer): { digit: string; durationMs: number } | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (body.length === 0 || body.length > 1024) return null;
  const text = body.toString('utf8');
  if (type === 'application/dtmf-relay') {
    let digit: string | null = null;
    let durationMs = 100;
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(line);
      if (!m) continue;
      const key = m[1]!.toLowerCase();
      if (key === 'signal') {
        const v = m[2]!.toUpperCase();
        digit = DIGIT.test(v) ? v : /^\d{1,2}$/.test(v) && Number(v) < 16 ? BY_CODE[Number(v)]! : null;
      } else if (key === 'duration') {
        const d = Number(m[2]);
        if (Number.isFinite(d) && d > 0 && d < 10_000) durationMs = d;
      }
    }
    return digit ? { digit, durationMs } : null;
  }
  if (type === 'application/dtmf') {
    const v = text.trim().toUpperCase();
    if (DIGIT.test(v)) return { digit: v, durationMs: 100 };
    if (/^\d{1,2}$/.test(v) && Number(v) < 16) return { digit: BY_CODE[Number(v)]!, durationMs: 100 };
  }
  return null;
}
