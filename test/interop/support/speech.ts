/**
 * Spoken test prompts: espeak-ng says a text, sox turns it into mono s16 at 8 or 16 kHz and pads
 * or trims it to a fixed length, so each side of a call plays a different, recognisable prompt.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { binary } from './binaries';

export interface SpeechOptions {
  /** espeak-ng voice, e.g. 'en-us' (default), 'en-us+f3' (a higher, female variant), 'en-gb'. */
  readonly voice?: string;
  readonly sampleRate?: 8000 | 16000;
  /** Length of the file in seconds: speech then silence, or cut (default 8). */
  readonly seconds?: number;
  /** Silence before the speech in seconds (default 0.3). */
  readonly leadSeconds?: number;
  /** Words per minute (default 150). */
  readonly wordsPerMinute?: number;
  /**
   * What follows the speech up to `seconds`: 'silence' (default) or 'repeat' — the phrase again
   * and again, so a long file is speech throughout (a long silent tail dominates envelope
   * correlation and makes any two prompts look alike).
   */
  readonly fill?: 'silence' | 'repeat';
}

function wavSeconds(path: string): number {
  return Number(execFileSync(binary('soxi'), ['-D', path], { timeout: 10_000 }).toString().trim());
}

export function makeSpeechWav(text: string, path: string, opts: SpeechOptions = {}): string {
  const raw = `${path}.espeak.wav`;
  try {
    execFileSync(binary('espeak-ng'), ['-v', opts.voice ?? 'en-us', '-s', String(opts.wordsPerMinute ?? 150), '-w', raw, text],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
    const seconds = opts.seconds ?? 8;
    const lead = opts.leadSeconds ?? 0.3;
    const fill = opts.fill === 'repeat'
      ? ['pad', String(lead), '0.4', 'repeat', String(Math.ceil(seconds / Math.max(0.5, wavSeconds(raw))))]
      : ['pad', String(lead), String(seconds)];
    execFileSync(binary('sox'), [raw, '-r', String(opts.sampleRate ?? 8000), '-c', '1', '-b', '16', '-e', 'signed-integer', path,
      'norm', '-3', ...fill, 'trim', '0', String(seconds)],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  } finally {
    rmSync(raw, { force: true });
  }
  return path;
}
