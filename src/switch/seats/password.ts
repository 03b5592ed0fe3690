import { randomInt } from 'node:crypto';
import { ha1 } from '../../sip/index.js';
import type { SeatSecrets } from './types.js';

// No look-alikes (0/O, 1/l/I): people type these into a phone's keypad menu.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
export const SEAT_PASSWORD_LENGTH = 20;

/** A random SIP password: 20 characters of a 57-letter alphabet, about 116 bits. */
export function generateSeatPassword(length = SEAT_PASSWORD_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** The HA1 digests of a password for every algorithm we offer; the password itself is not kept. */
export function seatSecrets(number: string, realm: string, password: string): SeatSecrets {
  return {
    md5: ha1(number, realm, password, 'MD5'),
    sha256: ha1(number, realm, password, 'SHA-256'),
    sha512_256: ha1(number, realm, password, 'SHA-512-256'),
  };
}
