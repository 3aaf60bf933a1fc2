import * as crypto from 'node:crypto';

const { createHash, timingSafeEqual } = crypto;

/**
 * Node's one-shot digest (20.12 and later), three times as fast as a Hash object for a short input: every alert
 * request hashes its integration key and its bearer token. Earlier 20.x releases use the Hash object.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256Hex(value: string): string {
  return oneShot ? oneShot('sha256', value, 'hex') : createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two hex SHA-256 digests in constant time. */
export function sameDigest(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares a presented secret with a stored SHA-256 digest in constant time. */
export function matchesHash(presented: string, storedHex: string): boolean {
  return sameDigest(sha256Hex(presented), storedHex);
}
