/**
 * ITU-T G.722 (09/2012) sub-band ADPCM at 64 kbit/s (mode 1): a 24-tap QMF splits 16 kHz PCM
 * into a low band coded with 6-bit ADPCM and a high band coded with 2-bit ADPCM, one byte per
 * pair of input samples (`ihigh << 6 | ilow`). The block names in comments (QUANTL, INVQAL,
 * LOGSCL, SCALEL, UPPOL1/2, UPZERO, FILTEP, FILTEZ …) are the ones of G.722 §3 and §4, and
 * the tables are G.722 Tables 6–17. Integer arithmetic follows the Recommendation's
 * fixed-point description; intermediate products stay below 2^31 so `>>` is exact in JS.
 */

/** QMF coefficients h0..h11 (G.722 Table 11); the filter is symmetric, 24 taps. */
const QMF = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];
/** Decision levels of the 6-bit low-band quantiser, scaled (QUANTL, Table 6). */
const Q6 = [
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023,
  1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
];
const ILN = [
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9,
  8, 7, 6, 5, 4, 0,
];
const ILP = [
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37,
  36, 35, 34, 33, 32, 0,
];
/** Log-scale factor multipliers, low band (LOGSCL, Table 14). */
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042];
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
/** Inverse log base-2 table (SCALEL/SCALEH, Table 15). */
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896,
  2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/** 4-bit inverse quantiser output, low band (INVQAL, Table 7). */
const QM4 = [0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0];
/** 2-bit inverse quantiser output, high band (INVQAH, Table 9). */
const QM2 = [-7408, -1616, 7408, 1616];
/** 6-bit inverse quantiser output, low band, 64 kbit/s (INVQBL, Table 8). */
const QM6 = [
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360,
  -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688,
  -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856,
  7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432,
  136, -432, -136,
];
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];
/** Log-scale factor multipliers, high band (LOGSCH, Table 16). */
const WH = [0, -214, 798];
const RH2 = [2, 1, 2, 1];

function sat(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** The adaptive predictor and scale factor of one sub-band. */
class Band {
  s = 0;
  sp = 0;
  sz = 0;
  readonly r = new Int32Array(3);
  readonly a = new Int32Array(3);
  readonly ap = new Int32Array(3);
  readonly p = new Int32Array(3);
  readonly d = new Int32Array(7);
  readonly b = new Int32Array(7);
  readonly bp = new Int32Array(7);
  readonly sg = new Int32Array(7);
  nb = 0;
  det: number;

  constructor(readonly initialDet: number) {
    this.det = initialDet;
  }

  reset(): void {
    this.s = this.sp = this.sz = this.nb = 0;
    for (const t of [this.r, this.a, this.ap, this.p, this.d, this.b, this.bp, this.sg]) t.fill(0);
    this.det = this.initialDet;
  }

  /** Block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC. */
  update(dq: number): void {
    const { r, a, ap, p, d, b, bp, sg } = this;
    d[0] = dq;
    r[0] = sat(this.s + dq);
    p[0] = sat(this.sz + dq);
    // UPPOL2
    for (let i = 0; i < 3; i++) sg[i] = p[i]! >> 15;
    let wd1 = sat(a[1]! << 2);
    let wd2 = sg[0] === sg[1] ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let wd3 = sg[0] === sg[2] ? 128 : -128;
    wd3 += wd2 >> 7;
    wd3 += (a[2]! * 32512) >> 15;
    ap[2] = wd3 > 12288 ? 12288 : wd3 < -12288 ? -12288 : wd3;
    // UPPOL1
    sg[0] = p[0]! >> 15;
    sg[1] = p[1]! >> 15;
    wd1 = sg[0] === sg[1] ? 192 : -192;
    wd2 = (a[1]! * 32640) >> 15;
    let ap1 = sat(wd1 + wd2);
    wd3 = sat(15360 - ap[2]!);
    if (ap1 > wd3) ap1 = wd3;
    else if (ap1 < -wd3) ap1 = -wd3;
    ap[1] = ap1;
    // UPZERO
    wd1 = dq === 0 ? 0 : 128;
    sg[0] = dq >> 15;
    for (let i = 1; i < 7; i++) {
      sg[i] = d[i]! >> 15;
      wd2 = sg[i] === sg[0] ? wd1 : -wd1;
      wd3 = (b[i]! * 32640) >> 15;
      bp[i] = sat(wd2 + wd3);
    }
    // DELAYA
    for (let i = 6; i > 0; i--) {
      d[i] = d[i - 1]!;
      b[i] = bp[i]!;
    }
    for (let i = 2; i > 0; i--) {
      r[i] = r[i - 1]!;
      p[i] = p[i - 1]!;
      a[i] = ap[i]!;
    }
    // FILTEP
    wd1 = (a[1]! * sat(r[1]! + r[1]!)) >> 15;
    wd2 = (a[2]! * sat(r[2]! + r[2]!)) >> 15;
    this.sp = sat(wd1 + wd2);
    // FILTEZ
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += (b[i]! * sat(d[i]! + d[i]!)) >> 15;
    this.sz = sat(sz);
    // PREDIC
    this.s = sat(this.sp + this.sz);
  }

  /** LOGSCL + SCALEL (low band) or LOGSCH + SCALEH (high band). */
  adaptScale(weight: number, nbMax: number, shiftBase: number): void {
    let nb = ((this.nb * 127) >> 7) + weight;
    nb = nb < 0 ? 0 : nb > nbMax ? nbMax : nb;
    this.nb = nb;
    const wd1 = (nb >> 6) & 31;
    const wd2 = shiftBase - (nb >> 11);
    const wd3 = wd2 < 0 ? ILB[wd1]! << -wd2 : ILB[wd1]! >> wd2;
    this.det = wd3 << 2;
  }
}

export class G722AdpcmEncoder {
  private readonly low = new Band(32);
  private readonly high = new Band(8);
  private readonly x = new Int32Array(24);

  /** Encodes `n` samples (even) of 16 kHz PCM into n/2 bytes. */
  encode(pcm: Int16Array, n: number, out: Uint8Array): number {
    const x = this.x;
    const low = this.low;
    const high = this.high;
    let o = 0;
    for (let j = 0; j + 1 < n; j += 2) {
      // Transmit QMF (G.722 §3.2)
      x.copyWithin(0, 2);
      x[22] = pcm[j]!;
      x[23] = pcm[j + 1]!;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += x[2 * i]! * QMF[i]!;
        sumEven += x[2 * i + 1]! * QMF[11 - i]!;
      }
      const xlow = (sumEven + sumOdd) >> 14;
      const xhigh = (sumEven - sumOdd) >> 14;

      // Low band: SUBTRA, QUANTL, INVQAL, LOGSCL, SCALEL, then block 4.
      const el = sat(xlow - low.s);
      let wd = el >= 0 ? el : -(el + 1);
      let i = 1;
      for (; i < 30; i++) {
        if (wd < (Q6[i]! * low.det) >> 12) break;
      }
      const ilow = el < 0 ? ILN[i]! : ILP[i]!;
      const ril = ilow >> 2;
      const dlow = (low.det * QM4[ril]!) >> 15;
      low.adaptScale(WL[RL42[ril]!]!, 18432, 8);
      low.update(dlow);

      // High band: SUBTRA, QUANTH, INVQAH, LOGSCH, SCALEH, then block 4.
      const eh = sat(xhigh - high.s);
      wd = eh >= 0 ? eh : -(eh + 1);
      const mih = wd >= (564 * high.det) >> 12 ? 2 : 1;
      const ihigh = eh < 0 ? IHN[mih]! : IHP[mih]!;
      const dhigh = (high.det * QM2[ihigh]!) >> 15;
      high.adaptScale(WH[RH2[ihigh]!]!, 22528, 10);
      high.update(dhigh);

      out[o++] = (ihigh << 6) | ilow;
    }
    return o;
  }

  reset(): void {
    this.low.reset();
    this.high.reset();
    this.x.fill(0);
  }
}

export class G722AdpcmDecoder {
  private readonly low = new Band(32);
  private readonly high = new Band(8);
  private readonly x = new Int32Array(24);

  /** Decodes `n` bytes into 2n samples of 16 kHz PCM. */
  decode(data: Uint8Array, n: number, out: Int16Array): number {
    const x = this.x;
    const low = this.low;
    const high = this.high;
    let o = 0;
    for (let j = 0; j < n; j++) {
      const code = data[j]!;
      const ilow = code & 0x3f;
      const ihigh = (code >> 6) & 0x03;
      // Low band: INVQBL, RECONS, LIMIT (G.722 §4.2), then the 4-bit path for adaptation.
      let rlow = low.s + ((low.det * QM6[ilow]!) >> 15);
      rlow = rlow > 16383 ? 16383 : rlow < -16384 ? -16384 : rlow;
      const ril = ilow >> 2;
      const dlowt = (low.det * QM4[ril]!) >> 15;
      low.adaptScale(WL[RL42[ril]!]!, 18432, 8);
      low.update(dlowt);
      // High band: INVQAH, RECONS, LIMIT, LOGSCH, SCALEH.
      const dhigh = (high.det * QM2[ihigh]!) >> 15;
      let rhigh = dhigh + high.s;
      rhigh = rhigh > 16383 ? 16383 : rhigh < -16384 ? -16384 : rhigh;
      high.adaptScale(WH[RH2[ihigh]!]!, 22528, 10);
      high.update(dhigh);
      // Receive QMF (G.722 §4.4)
      x.copyWithin(0, 2);
      x[22] = rlow + rhigh;
      x[23] = rlow - rhigh;
      let xout1 = 0;
      let xout2 = 0;
      for (let i = 0; i < 12; i++) {
        xout2 += x[2 * i]! * QMF[i]!;
        xout1 += x[2 * i + 1]! * QMF[11 - i]!;
      }
      out[o++] = sat(xout1 >> 11);
      out[o++] = sat(xout2 >> 11);
    }
    return o;
  }

  reset(): void {
    this.low.reset();
    this.high.reset();
    this.x.fill(0);
  }
}
