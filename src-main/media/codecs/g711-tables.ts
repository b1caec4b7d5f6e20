/**
 * ITU-T G.711 µ-law and A-law, table-driven both ways. The tables are computed once at load
 * from the segment/quantisation rules of G.711 §2 (Tables 1a/1b and 2a/2b), so every mapping is
 * bit-exact to the ITU reference.
 *
 * Linear values are 16-bit: µ-law covers ±8159·4 (14-bit magnitude scaled ×4), A-law covers
 * ±4096·8 (13-bit scaled ×8).
 */

// The four functions below follow the ITU-T G.191 STL reference (`g711.c`: ulaw_compress,
// ulaw_expand, alaw_compress, alaw_expand); negative inputs use the one's complement, which is
// where the widespread Sun `g711.c` differs from the ITU for µ-law.

function ulawFromLinear(x: number): number {
  let absno = (x < 0 ? ~x >> 2 : x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let segno = 1;
  for (let i = absno >> 6; i !== 0; i >>= 1) segno++;
  const high = 8 - segno;
  const low = 15 - ((absno >> segno) & 0x0f);
  const code = (high << 4) | low;
  return x >= 0 ? code | 0x80 : code;
}

function linearFromUlaw(code: number): number {
  const m = ~code & 0xff;
  const exponent = (m >> 4) & 0x07;
  const step = 4 << (exponent + 1);
  const magnitude = (0x80 << exponent) + step * (m & 0x0f) + step / 2 - 4 * 33;
  return code < 0x80 ? -magnitude : magnitude;
}

function alawFromLinear(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (x >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

function linearFromAlaw(code: number): number {
  const ix = (code ^ 0x55) & 0x7f;
  const iexp = ix >> 4;
  let mant = ix & 0x0f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 8;
  if (iexp > 1) mant <<= iexp - 1;
  return code > 127 ? mant : -mant;
}

function buildEncodeTable(f: (pcm: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = f((i << 16) >> 16);
  return table;
}

function buildDecodeTable(f: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let c = 0; c < 256; c++) table[c] = f(c);
  return table;
}

/** µ-law code for each 16-bit sample, indexed by `sample & 0xffff`. */
export const ULAW_ENCODE: Uint8Array = buildEncodeTable(ulawFromLinear);
/** 16-bit linear value of each µ-law code. */
export const ULAW_DECODE: Int16Array = buildDecodeTable(linearFromUlaw);
/** A-law code for each 16-bit sample, indexed by `sample & 0xffff`. */
export const ALAW_ENCODE: Uint8Array = buildEncodeTable(alawFromLinear);
/** 16-bit linear value of each A-law code. */
export const ALAW_DECODE: Int16Array = buildDecodeTable(linearFromAlaw);
