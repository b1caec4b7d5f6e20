/**
 * Options of the call commands (`call`, `answer`, `shell`; issue 5 §6): SRTP policy, codecs,
 * audio from and to WAV files or PortAudio devices, duration and DTMF. Pure parsing.
 */
import { ValidationError } from '../base/errors';
import type { AudioCodecName } from '../sdp/codec-catalog';
import type { SrtpPolicy } from '../sdp/negotiation-types';

export const CALL_OPTION_SPEC = {
  srtp: { type: 'string' },
  codecs: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  'audio-in': { type: 'string' },
  'audio-out': { type: 'string' },
  dtmf: { type: 'string' },
  count: { type: 'string' },
  'echo-cancellation': { type: 'string' },
  'noise-suppression': { type: 'string' },
} as const;

export interface RawCallOptions {
  srtp?: string | undefined;
  codecs?: string | undefined;
  play?: string | undefined;
  record?: string | undefined;
  'audio-in'?: string | undefined;
  'audio-out'?: string | undefined;
  dtmf?: string | undefined;
  count?: string | undefined;
  duration?: string | undefined;
  'echo-cancellation'?: string | undefined;
  'noise-suppression'?: string | undefined;
}

export interface CallOptions {
  readonly srtp: SrtpPolicy;
  readonly codecs: readonly AudioCodecName[];
  readonly play?: string;
  readonly record?: string;
  readonly audioIn?: string;
  readonly audioOut?: string;
  readonly dtmf?: string;
  readonly count: number;
  readonly durationMs?: number;
  /**
   * Echo cancellation and noise suppression on the microphone: on by default with a sound card
   * (`--audio-in`: a room, a speaker, a fan), off for a WAV or silence (nothing to cancel).
   */
  readonly voice: { readonly echoCancellation: boolean; readonly noiseSuppression: boolean };
}

/** `on`/`off` (also yes/no, true/false, 1/0) for a switch option; undefined when not given. */
export function parseSwitch(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'on' || v === 'yes' || v === 'true' || v === '1') return true;
  if (v === 'off' || v === 'no' || v === 'false' || v === '0') return false;
  throw new ValidationError(`${name} takes on or off, not '${value}'`);
}

const CODECS: Record<string, AudioCodecName> = { pcmu: 'PCMU', pcma: 'PCMA', g722: 'G722', opus: 'opus' };

export function parseCallOptions(raw: RawCallOptions): CallOptions {
  const srtp = (raw.srtp ?? 'optional').toLowerCase();
  if (srtp !== 'off' && srtp !== 'optional' && srtp !== 'mandatory') throw new ValidationError(`--srtp must be off, optional or mandatory, not '${raw.srtp}'`);
  const codecs = (raw.codecs ?? 'PCMU,PCMA,G722,opus').split(',').map((c) => {
    const codec = CODECS[c.trim().toLowerCase()];
    if (!codec) throw new ValidationError(`unknown codec '${c.trim()}' in --codecs (PCMU, PCMA, G722, opus)`);
    return codec;
  });
  if (raw.play !== undefined && raw['audio-in'] !== undefined) throw new ValidationError('use either --play or --audio-in, not both');
  if (raw.record !== undefined && raw['audio-out'] !== undefined) throw new ValidationError('use either --record or --audio-out, not both');
  if (raw.dtmf !== undefined && !/^[0-9A-Da-d*#]+$/.test(raw.dtmf)) throw new ValidationError(`--dtmf takes digits 0-9, A-D, * and #, not '${raw.dtmf}'`);
  const count = raw.count === undefined ? 1 : Number(raw.count);
  if (!Number.isInteger(count) || count < 1) throw new ValidationError(`--count must be a whole number ≥ 1, not '${raw.count}'`);
  let durationMs: number | undefined;
  if (raw.duration !== undefined) {
    const s = Number(raw.duration);
    if (!Number.isFinite(s) || s < 0) throw new ValidationError(`--duration must be a number of seconds ≥ 0, not '${raw.duration}'`);
    durationMs = s * 1000;
  }
  const soundCardMic = raw['audio-in'] !== undefined;
  const voice = {
    echoCancellation: parseSwitch('--echo-cancellation', raw['echo-cancellation']) ?? soundCardMic,
    noiseSuppression: parseSwitch('--noise-suppression', raw['noise-suppression']) ?? soundCardMic,
  };
  return {
    srtp: srtp as SrtpPolicy,
    codecs: [...new Set(codecs)],
    ...(raw.play !== undefined ? { play: raw.play } : {}),
    ...(raw.record !== undefined ? { record: raw.record } : {}),
    ...(raw['audio-in'] !== undefined ? { audioIn: raw['audio-in'] } : {}),
    ...(raw['audio-out'] !== undefined ? { audioOut: raw['audio-out'] } : {}),
    ...(raw.dtmf !== undefined ? { dtmf: raw.dtmf.toUpperCase() } : {}),
    count,
    ...(durationMs !== undefined ? { durationMs } : {}),
    voice,
  };
}
