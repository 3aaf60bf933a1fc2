import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
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
