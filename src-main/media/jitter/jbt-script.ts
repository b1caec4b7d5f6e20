/**
 * Jitter-buffer test scripts in the style of pjmedia's `Jbtest.dat` (run by `jbuf_test.c`).
 *
 *     # a comment
 *     %adaptive 3 1 10        initial, minimum and maximum delay in frames
 *     %fixed 4                the same delay for all three
 *     PGPGPPPPGGGGLLPG        events (whitespace ignored)
 *     !lost 2                 pass conditions on the final counters: !name [= <= >= < >] value
 *
 * Events, one 20 ms frame each, at virtual time that advances 20 ms per `G`:
 * P put the next frame · G get · L the next frame is lost in the network ·
 * D put the last frame again · O put again a frame from 10 frames ago (a replay) · X put the
 * next two frames swapped (reordering) · H the network holds the next frame back · Y it
 * delivers the held frames now (late, if their slot has been played) · S the sender skips a frame in
 * silence (DTX: timestamp advances, sequence does not) · J sequence and timestamp jump by 5000 ·
 * R the sender restarts (new sequence and timestamp origin).
 */
import { ValidationError } from '../../base/errors';
import { JitterBuffer } from './jitter-buffer';

export type JbtOp = '=' | '<=' | '>=' | '<' | '>';

export interface JbtCondition {
  readonly name: string;
  readonly op: JbtOp;
  readonly value: number;
  readonly line: number;
}

export interface JbtScript {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  readonly events: string;
  readonly conditions: readonly JbtCondition[];
}

const EVENTS = /^[PGLDOXHYSJR]*$/;
const STAT_NAMES = [
  'delay',
  'target',
  'frames',
  'received',
  'lost',
  'concealed',
  'late',
  'duplicates',
  'reordered',
  'discarded',
  'dropped',
  'stretched',
  'empty',
  'resyncs',
] as const;
export type JbtStatName = (typeof STAT_NAMES)[number];

export function parseJbtScript(text: string): JbtScript {
  let mode: [number, number, number] | undefined;
  let events = '';
  const conditions: JbtCondition[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const s = raw.replace(/#.*$/, '').trim();
    if (s === '') return;
    if (s.startsWith('%')) {
      const [kw, ...args] = s.slice(1).split(/\s+/);
      const nums = args.map(Number);
      if (nums.some((n) => !Number.isInteger(n) || n < 0)) throw new ValidationError(`jbt line ${line}: bad number in "${s}"`);
      if (kw === 'adaptive' && nums.length === 3) mode = [nums[0]!, nums[1]!, nums[2]!];
      else if (kw === 'fixed' && nums.length === 1) mode = [nums[0]!, nums[0]!, nums[0]!];
      else throw new ValidationError(`jbt line ${line}: unknown header "${s}"`);
      return;
    }
    if (s.startsWith('!')) {
      const m = /^!(\w+)\s*(<=|>=|=|<|>)?\s*(-?\d+)$/.exec(s);
      if (!m || !(STAT_NAMES as readonly string[]).includes(m[1]!)) throw new ValidationError(`jbt line ${line}: bad condition "${s}"`);
      conditions.push({ name: m[1]!, op: (m[2] ?? '=') as JbtOp, value: Number(m[3]), line });
      return;
    }
    const ev = s.replace(/\s+/g, '');
    if (!EVENTS.test(ev)) throw new ValidationError(`jbt line ${line}: unknown event in "${s}"`);
    events += ev;
  });
  if (!mode) throw new ValidationError('jbt: missing %adaptive or %fixed header');
  return { initial: mode[0], min: mode[1], max: mode[2], events, conditions };
}

export interface JbtOutcome {
  readonly values: Readonly<Record<JbtStatName, number>>;
  /** One line per failed condition; empty when the script passes. */
  readonly failures: readonly string[];
}

const FRAME_MS = 20;
const CLOCK = 8000;
const TS_PER_FRAME = 160;

export function runJbtScript(script: JbtScript): JbtOutcome {
  const jb = new JitterBuffer({
    clockRate: CLOCK,
    initialDelayMs: script.initial * FRAME_MS,
    minDelayMs: script.min * FRAME_MS,
    maxDelayMs: script.max * FRAME_MS,
  });
  const payload = new Uint8Array(TS_PER_FRAME);
  let seq = 1000;
  let ts = 8000;
  let now = 0;
  let frames = 0;
  const put = (s: number, t: number) => jb.put(s & 0xffff, t >>> 0, payload, now);
  const held: [number, number][] = [];
  for (const ev of script.events) {
    switch (ev) {
      case 'P':
        put(seq, ts);
        seq++;
        ts += TS_PER_FRAME;
        break;
      case 'G':
        if (jb.get().kind === 'frame') frames++;
        now += FRAME_MS;
        break;
      case 'L':
        seq++;
        ts += TS_PER_FRAME;
        break;
      case 'D':
        put(seq - 1, ts - TS_PER_FRAME);
        break;
      case 'O':
        put(seq - 10, ts - 10 * TS_PER_FRAME);
        break;
      case 'X':
        put(seq + 1, ts + TS_PER_FRAME);
        put(seq, ts);
        seq += 2;
        ts += 2 * TS_PER_FRAME;
        break;
      case 'H':
        held.push([seq, ts]);
        seq++;
        ts += TS_PER_FRAME;
        break;
      case 'Y':
        for (const [s, t] of held.splice(0)) put(s, t);
        break;
      case 'S':
        ts += TS_PER_FRAME;
        break;
      case 'J':
        seq += 5000;
        ts += 5000 * TS_PER_FRAME;
        break;
      case 'R':
        seq = 1;
        ts = 0;
        break;
    }
  }
  const st = jb.stats;
  const values: Record<JbtStatName, number> = {
    delay: st.delayMs / FRAME_MS,
    target: st.targetMs / FRAME_MS,
    frames,
    received: st.received,
    lost: st.lost,
    concealed: st.concealed,
    late: st.late,
    duplicates: st.duplicates,
    reordered: st.reordered,
    discarded: st.discarded,
    dropped: st.dropped,
    stretched: st.stretched,
    empty: st.empty,
    resyncs: st.resyncs,
  };
  const failures = script.conditions
    .filter((c) => !compare(values[c.name as JbtStatName], c.op, c.value))
    .map((c) => `line ${c.line}: ${c.name} is ${values[c.name as JbtStatName]}, expected ${c.op} ${c.value}`);
  return { values, failures };
}

function compare(a: number, op: JbtOp, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '>':
      return a > b;
  }
}
