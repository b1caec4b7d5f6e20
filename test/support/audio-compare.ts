/**
 * Checks that recorded audio really carries a given speech signal: 20 ms log-energy envelopes of
 * the source and of the recording, Pearson correlation maximised over a bounded delay, and the
 * recording's RMS level. Same speech through G.711 + SRTP scores ≈0.99, a different voice
 * ≈0.3–0.4 (TESTBED.md); silence fails the level check.
 */
import { readFileSync } from 'node:fs';

export interface PcmAudio {
  readonly sampleRate: number;
  /** Mono samples in [-1, 1) (stereo files are mixed down). */
  readonly samples: Float32Array;
}

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

/** Parses a RIFF/WAVE file holding 16-bit PCM, any rate, one or more channels. */
export function parseWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new WavFormatError('not a RIFF/WAVE file');
  let format: { channels: number; sampleRate: number; bits: number; code: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (declared < 16 || body + 16 > bytes.length) throw new WavFormatError('short fmt chunk');
      let code = view.getUint16(body, true);
      if (code === 0xfffe && declared >= 26) code = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('data chunk before fmt chunk');
      if (format.code !== 1 || format.bits !== 16) {
        throw new WavFormatError(`unsupported WAV format ${format.code}/${format.bits} bits (need PCM s16)`);
      }
      if (format.channels < 1 || format.sampleRate < 1) throw new WavFormatError('bad channel count or rate');
      // A recorder stopped early may leave the size unset (0 or 0xFFFFFFFF): take what is there.
      const available = bytes.length - body;
      const size = declared === 0 || declared > available ? available : declared;
      const frames = Math.floor(size / (2 * format.channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < format.channels; c++) sum += view.getInt16(body + 2 * (i * format.channels + c), true);
        samples[i] = sum / format.channels / 32768;
      }
      return { sampleRate: format.sampleRate, samples };
    }
    offset = body + declared + (declared % 2);
  }
  throw new WavFormatError('no data chunk');
}

export function readWav(path: string): PcmAudio {
  return parseWav(readFileSync(path));
}

export const FRAME_MS = 20;
const FLOOR_DB = -100;

/** Log energy (dBFS) of consecutive 20 ms frames. */
export function logEnergyEnvelope(audio: PcmAudio): Float64Array {
  const frame = Math.max(1, Math.round((audio.sampleRate * FRAME_MS) / 1000));
  const count = Math.floor(audio.samples.length / frame);
  const env = new Float64Array(count);
  for (let f = 0; f < count; f++) {
    let energy = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) {
      const s = audio.samples[i] ?? 0;
      energy += s * s;
    }
    env[f] = Math.max(FLOOR_DB, 10 * Math.log10(energy / frame + 1e-12));
  }
  return env;
}

/** Pearson correlation of a[i] with b[i + lag] over their overlap; 0 when either side is flat. */
export function correlationAtLag(a: Float64Array, b: Float64Array, lag: number): { r: number; overlap: number } {
  const start = Math.max(0, -lag);
  const end = Math.min(a.length, b.length - lag);
  const n = end - start;
  if (n <= 1) return { r: 0, overlap: Math.max(0, n) };
  let sa = 0;
  let sb = 0;
  for (let i = start; i < end; i++) {
    sa += a[i] ?? 0;
    sb += b[i + lag] ?? 0;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = start; i < end; i++) {
    const da = (a[i] ?? 0) - ma;
    const db = (b[i + lag] ?? 0) - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va < 1e-9 || vb < 1e-9) return { r: 0, overlap: n };
  return { r: cov / Math.sqrt(va * vb), overlap: n };
}

export interface CompareOptions {
  /** Largest delay searched, either way (default 3000 ms). */
  readonly maxDelayMs?: number;
  /** Smallest overlap of the two envelopes a delay must leave (default 2000 ms). */
  readonly minOverlapMs?: number;
}

export interface SpeechComparison {
  /** Best Pearson correlation of the log-energy envelopes over the searched delays. */
  readonly correlation: number;
  /** Delay of the recording relative to the source at the best correlation (positive = later). */
  readonly delayMs: number;
  /** RMS level (dBFS) of the recording over the part aligned with the source. */
  readonly rmsDb: number;
}

function rmsDb(audio: PcmAudio, fromS: number, toS: number): number {
  const from = Math.max(0, Math.floor(fromS * audio.sampleRate));
  const to = Math.min(audio.samples.length, Math.floor(toS * audio.sampleRate));
  if (to <= from) return FLOOR_DB;
  let energy = 0;
  for (let i = from; i < to; i++) energy += (audio.samples[i] ?? 0) ** 2;
  return Math.max(FLOOR_DB, 10 * Math.log10(energy / (to - from) + 1e-12));
}

export function compareAudio(source: PcmAudio, recorded: PcmAudio, opts: CompareOptions = {}): SpeechComparison {
  const a = logEnergyEnvelope(source);
  const b = logEnergyEnvelope(recorded);
  const maxLag = Math.round((opts.maxDelayMs ?? 3000) / FRAME_MS);
  const minOverlap = Math.min(Math.round((opts.minOverlapMs ?? 2000) / FRAME_MS), a.length, b.length);
  let best = { r: -Infinity, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const { r, overlap } = correlationAtLag(a, b, lag);
    if (overlap >= Math.max(2, minOverlap) && r > best.r) best = { r, lag };
  }
  if (best.r === -Infinity) best = { r: 0, lag: 0 };
  const delayS = (best.lag * FRAME_MS) / 1000;
  const sourceS = source.samples.length / source.sampleRate;
  return {
    correlation: best.r,
    delayMs: best.lag * FRAME_MS,
    rmsDb: rmsDb(recorded, delayS, delayS + sourceS),
  };
}

/** Compares two WAV files: does `recordedWav` carry the speech of `sourceWav`? */
export function compareSpeech(sourceWav: string, recordedWav: string, opts: CompareOptions = {}): SpeechComparison {
  return compareAudio(readWav(sourceWav), readWav(recordedWav), opts);
}

export interface WindowOptions {
  /** Window length in the recording (default 2000 ms). */
  readonly windowMs?: number;
  /** Distance between window starts (default 1000 ms). */
  readonly stepMs?: number;
  /** How far each window may move around `delayMs` (default 500 ms). */
  readonly slackMs?: number;
}

/**
 * Median, over windows of the recording, of the envelope correlation with the source around
 * the overall delay (± `slackMs`). Unlike one correlation over the whole recording, it does not
 * penalise the 20 ms steps a jitter buffer makes when it adapts (it drops frames to shrink its
 * start-up delay, so the lag changes during a call). The two may run at different rates (a call
 * recording is at the codec's rate).
 */
export function medianWindowCorrelation(source: PcmAudio, recording: PcmAudio, delayMs: number, opts: WindowOptions = {}): number {
  const windowS = (opts.windowMs ?? 2000) / 1000;
  const stepS = (opts.stepMs ?? 1000) / 1000;
  const slackS = (opts.slackMs ?? 500) / 1000;
  const rate = recording.sampleRate;
  const srcRate = source.sampleRate;
  const win = Math.round(windowS * rate);
  const srcWin = Math.round((windowS + 2 * slackS) * srcRate);
  const rs: number[] = [];
  for (let w = 0; w + win <= recording.samples.length; w += Math.round(stepS * rate)) {
    const from = Math.round((w / rate - delayMs / 1000 - slackS) * srcRate);
    if (from < 0 || from + srcWin > source.samples.length) continue;
    const c = compareAudio(
      { sampleRate: srcRate, samples: source.samples.subarray(from, from + srcWin) },
      { sampleRate: rate, samples: recording.samples.subarray(w, w + win) },
      { maxDelayMs: 2 * slackS * 1000 + 100, minOverlapMs: windowS * 750 },
    );
    rs.push(c.correlation);
  }
  rs.sort((a, b) => a - b);
  return rs.length > 0 ? rs[Math.floor(rs.length / 2)]! : 0;
}
