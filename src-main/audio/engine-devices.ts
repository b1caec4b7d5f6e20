/**
 * Builds an audio backend from a plain, structured-clone-safe description, so the media engine
 * can open its devices inside its worker thread (media/worker/entry.ts imports this module by
 * URL: media may not import audio, and a backend object cannot cross a thread boundary).
 */
import type { Clock } from '../base/clock';
import { ValidationError } from '../base/errors';
import type { AudioBackend } from './device';
import { NaudiodonBackend } from './naudiodon-device';
import { NullAudioBackend } from './null-device';
import { WavAudioBackend } from './wav-device';

export type EngineDeviceSpec =
  | { readonly kind: 'null' }
  | { readonly kind: 'wav'; readonly inputPath?: string; readonly outputPath?: string; readonly loop?: boolean }
  | { readonly kind: 'portaudio'; readonly stallMs?: number; readonly outputQueueFrames?: number };

/** The factory the media worker calls (`devices.export` defaults to this name). */
export function createEngineDevices(spec: EngineDeviceSpec, clock: Clock): AudioBackend {
  switch (spec.kind) {
    case 'null':
      return new NullAudioBackend(clock);
    case 'wav':
      return new WavAudioBackend({
        clock,
        ...(spec.inputPath !== undefined ? { inputPath: spec.inputPath } : {}),
        ...(spec.outputPath !== undefined ? { outputPath: spec.outputPath } : {}),
        ...(spec.loop !== undefined ? { loop: spec.loop } : {}),
      });
    case 'portaudio':
      return new NaudiodonBackend({
        clock,
        ...(spec.stallMs !== undefined ? { stallMs: spec.stallMs } : {}),
        ...(spec.outputQueueFrames !== undefined ? { outputQueueFrames: spec.outputQueueFrames } : {}),
      });
    default:
      throw new ValidationError(`unknown device kind ${(spec as { kind: string }).kind}`);
  }
}
