/**
 * Character classes (RFC 3261 §25.1) and a small cursor used by every header parser. No
 * parser uses a backtracking regular expression on peer input: they walk the string once.
 */
import { syntax } from './errors.js';

function table(chars: string, alnum = true): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
}

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
const TOKEN = table("-.!%*_+`'~");
// word (Call-ID) = token chars plus ( ) < > : \ " / [ ] ? { }
const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}');
// unreserved = alphanum / mark; mark = - _ . ! ~ * ' ( )
const UNRESERVED = table("-_.!~*'()");
// user-unreserved = & = + $ , ; ? /
const USER = table("-_.!~*'()&=+$,;?/");
// password = *( unreserved / escaped / & = + $ , )
const PASSWORD = table("-_.!~*'()&=+$,");
// paramchar = param-unreserved / unreserved / escaped; param-unreserved = [ ] / : & + $
const PARAMCHAR = table("-_.!~*'()[]/:&+$");
// hvalue chars: hnv-unreserved / unreserved / escaped; hnv-unreserved = [ ] / ? : + $
const HCHAR = table("-_.!~*'()[]/?:+$");
const HOSTNAME = table('-._');
// gen-value = token / host / quoted-string: token chars plus host chars ([ ] :)
const GENVALUE = table("-.!%*_+`'~[]:");

const inTable = (t: Uint8Array, c: number) => c < 128 && t[c] === 1;

export const isTokenChar = (c: number) => inTable(TOKEN, c);
export const isWordChar = (c: number) => inTable(WORD, c);

function all(s: string, t: Uint8Array, allowEscapes = false): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (allowEscapes && c === 37 /* % */) {
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
      i += 2;
      continue;
    }
    if (!inTable(t, c)) return false;
  }
  return true;
}

export const isToken = (s: string) => all(s, TOKEN);
export const isWord = (s: string) => all(s, WORD);
export const isUserChars = (s: string) => all(s, USER, true);
export const isPasswordChars = (s: string) => s.length === 0 || all(s, PASSWORD, true);
export const isParamChars = (s: string) => all(s, PARAMCHAR, true);
export const isHeaderChars = (s: string) => s.length === 0 || all(s, HCHAR, true);
export const isHostnameChars = (s: string) => all(s, HOSTNAME);
export const isGenValue = (s: string) => all(s, GENVALUE);

export function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

const isDigitCode = (c: number) => c >= 48 && c <= 57;

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigitCode(s.charCodeAt(i))) return false;
  return true;
}

export const UINT31_MAX = 2 ** 31 - 1;
export const UINT32_MAX = 2 ** 32 - 1;

/**
 * A decimal integer in [0, max]. Leading zeros are allowed (RFC 4475 §3.1.1.1 "0009"); anything
 * past `max` is refused rather than wrapped or rounded (RFC 4475 §3.1.2.4, §3.1.2.5).
 */
export function parseUint(s: string, max: number, what: string, code: string): number {
  if (!isDigits(s)) syntax(code, `${what} is not a decimal integer`);
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  const digits = s.slice(i);
  if (digits.length > 16) syntax(code, `${what} is out of range`);
  const n = Number(digits);
  if (n > max) syntax(code, `${what} is out of range (max ${max})`);
  return n;
}

/** Percent-decoding (RFC 3261 §19.1.2): %XX are bytes, the result is read as UTF-8. */
export function pctDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      const cp = s.codePointAt(i) ?? c;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Percent-encode every byte outside the allowed class (used by the strict serializer). */
function pctEncode(s: string, t: Uint8Array): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (inTable(t, b)) out += String.fromCharCode(b);
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
export const escapeUser = (s: string) => pctEncode(s, USER);
export const escapePassword = (s: string) => pctEncode(s, PASSWORD);
export const escapeParam = (s: string) => pctEncode(s, PARAMCHAR);
export const escapeHeader = (s: string) => pctEncode(s, HCHAR);

/** SP / HTAB only: header values never contain CR or LF after unfolding. */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Split a header value on commas that are outside quoted strings and angle brackets
 * (RFC 3261 §7.3.1). Empty items are kept: callers decide whether they are an error.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 92 /* \ */) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 60 /* < */) angle = true;
    else if (c === 62 /* > */) angle = false;
    else if (c === 44 /* , */ && !angle) {
      out.push(trimWs(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimWs(value.slice(start)));
  return out;
}

/** Quote a string for a quoted-string (RFC 3261 §25.1 quoted-pair for " and \). */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
  return out + '"';
}

/** A forward-only cursor over one header value. */
export class Scanner {
  i = 0;
  constructor(
    readonly s: string,
    readonly code: string,
  ) {}
  eof(): boolean {
    return this.i >= this.s.length;
  }
  peek(): number {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }
  /** Skip SP / HTAB; returns how many were skipped. */
  ws(): number {
    const from = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 32 && c !== 9) break;
      this.i++;
    }
    return this.i - from;
  }
  eat(ch: string): boolean {
    if (this.s[this.i] === ch) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(ch: string, what: string): void {
    if (!this.eat(ch)) this.fail(`expected ${JSON.stringify(ch)} ${what}`);
  }
  /** 1*token-char (may be empty: callers check). */
  token(): string {
    const from = this.i;
    while (this.i < this.s.length && isTokenChar(this.s.charCodeAt(this.i))) this.i++;
    return this.s.slice(from, this.i);
  }
  /** Characters up to (not including) any of `stops`, or the end. */
  until(stops: string): string {
    const from = this.i;
    while (this.i < this.s.length && stops.indexOf(this.s[this.i] as string) < 0) this.i++;
    return this.s.slice(from, this.i);
  }
  /** A quoted-string at the cursor; returns its unescaped content. */
  quoted(): string {
    if (!this.eat('"')) this.fail('expected a quoted string');
    let out = '';
    while (this.i < this.s.length) {
      const ch = this.s[this.i] as string;
      if (ch === '\\') {
        if (this.i + 1 >= this.s.length) break;
        out += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      this.i++;
      if (ch === '"') return out;
      out += ch;
    }
    return this.fail('unterminated quoted string');
  }
  rest(): string {
    const r = this.s.slice(this.i);
    this.i = this.s.length;
    return r;
  }
  fail(detail: string): never {
    return syntax(this.code, detail);
  }
}
