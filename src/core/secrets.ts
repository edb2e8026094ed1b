const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** Where the randomness comes from: node:crypto's random bytes, given by the command (core draws none itself). */
export type RandomBytes = (size: number) => Uint8Array;

/** A password of `length` characters from an unambiguous alphabet (no 0/O, 1/l/I), without modulo bias. */
export function generatePassword(random: RandomBytes, length = 24): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < 256 - (256 % ALPHABET.length)) out += ALPHABET[byte % ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}
