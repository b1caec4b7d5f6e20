import { randomBytes } from 'node:crypto';

/**
 * Identifiers for SIP: branch (RFC 3261 §8.1.1.7, with the magic cookie), tags (§19.3, at
 * least 32 bits of randomness), Call-IDs (§8.1.1.4). Random bytes come from a pool so the
 * hot path does not call into OpenSSL for every request.
 */
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A random token of `length` characters from [0-9a-zA-Z]. */
export function randomToken(length: number): string {
  if (poolOffset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) {
    out += ALPHABET[pool[poolOffset++]! % 62];
  }
  return out;
}

export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export function newBranch(): string {
  return BRANCH_MAGIC_COOKIE + randomToken(16);
}

export function newTag(): string {
  return randomToken(12);
}

export function newCallId(): string {
  return randomToken(22);
}

/** A random 32-bit unsigned integer (SSRC, initial sequence numbers). */
export function randomUint32(): number {
  if (poolOffset + 4 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const v = pool.readUInt32BE(poolOffset);
  poolOffset += 4;
  return v;
}
