/**
 * SRTP protect + unprotect of 160-byte payloads (PCMU, 20 ms) per suite, next to a floor:
 * plain node:crypto doing only the cipher (and HMAC) calls per packet, with no RTP logic,
 * no index estimation and no replay list. Ratio = ours / floor (higher is better; above 1
 * means our AES-CM keystream path beats a fresh 'aes-128-ctr' cipher per packet).
 * Also the estimated CPU share of one core for one PCMU call's SRTP (50 packets/s each way).
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { SrtpSession } from '../src-main/media/srtp/srtp-session';
import { SRTP_SUITES, type SrtpSuiteName } from '../src-main/media/srtp/suites';
import { fmt, measureRate, table } from './measure';

export const title = 'SRTP protect+unprotect, 160-byte payload';

const PAYLOAD = 160;
const BATCH = 200;

function oursBody(suite: SrtpSuiteName): () => number {
  const s = SRTP_SUITES[suite];
  const key = { key: Buffer.alloc(s.keyLength, 0x11), salt: Buffer.alloc(s.saltLength, 0x22) };
  const srtp = new SrtpSession({ suite, local: key, remote: key });
  const buf = Buffer.alloc(12 + PAYLOAD + 32);
  buf[0] = 0x80;
  buf.writeUInt32BE(0xcafebabe, 8);
  let seq = 0;
  return () => {
    for (let i = 0; i < BATCH; i++) {
      seq = (seq + 1) & 0xffff;
      buf.writeUInt16BE(seq, 2);
      const n = srtp.protectRtp(buf, 12 + PAYLOAD);
      if (srtp.unprotectRtp(buf, n) !== 12 + PAYLOAD) throw new Error('bench: unprotect failed');
    }
    return BATCH;
  };
}

/** The floor: per packet, one cipher object and one HMAC each way, on preallocated data. */
function floorBody(suite: SrtpSuiteName): () => number {
  const s = SRTP_SUITES[suite];
  const key = Buffer.alloc(s.keyLength, 0x11);
  const authKey = Buffer.alloc(20, 0x33);
  const header = Buffer.alloc(12, 0x80);
  const payload = Buffer.alloc(PAYLOAD, 0x55);
  const roc = Buffer.alloc(4);
  if (s.kind === 'aes-cm-hmac') {
    const iv = Buffer.alloc(16, 0x44);
    return () => {
      for (let i = 0; i < BATCH; i++) {
        for (let dir = 0; dir < 2; dir++) {
          createCipheriv('aes-128-ctr', key, iv).update(payload);
          createHmac('sha1', authKey).update(header).update(payload).update(roc).digest();
        }
      }
      return BATCH;
    };
  }
  const algorithm = s.keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  const iv = Buffer.alloc(12, 0x44);
  return () => {
    for (let i = 0; i < BATCH; i++) {
      const c = createCipheriv(algorithm, key, iv, { authTagLength: 16 });
      c.setAAD(header);
      const ct = c.update(payload);
      c.final();
      const tag = c.getAuthTag();
      const d = createDecipheriv(algorithm, key, iv, { authTagLength: 16 });
      d.setAuthTag(tag);
      d.setAAD(header);
      d.update(ct);
      d.final();
    }
    return BATCH;
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const rows: string[][] = [];
  for (const suite of Object.keys(SRTP_SUITES) as SrtpSuiteName[]) {
    // Alternate short runs of ours and the floor and take medians, so a neighbour's CPU burst
    // hits both sides of a ratio rather than one.
    const oursFn = oursBody(suite);
    const floorFn = floorBody(suite);
    const ours: number[] = [];
    const floor: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < 5; round++) {
      const o = measureRate(oursFn, 300, 3).perSecond;
      const f = measureRate(floorFn, 300, 3).perSecond;
      ours.push(o);
      floor.push(f);
      ratios.push(o / f);
    }
    const o = median(ours);
    // One call: 50 packets/s protected and 50/s unprotected = 50 protect+unprotect pairs/s.
    const cpu = (50 / o) * 100;
    rows.push([suite, fmt(o), fmt(median(floor)), median(ratios).toFixed(2), `${cpu.toFixed(3)}%`]);
  }
  console.log(table(['suite', 'ours (pairs/s)', 'floor (pairs/s)', 'ratio', 'CPU per PCMU call'], rows));
  console.log('pair = protect + unprotect of one 172-byte RTP packet; CPU = share of one core for 50 pairs/s.');
}
