/**
 * Builds an audio backend from a plain, structured-clone-safe description, so the media engine
 * can open its devices inside its worker thread (media/worker/entry.ts imports this module by
 * URL: media may not import audio, and a backend object cannot cross a thread boundary).
 *
 * Sound cards (PortAudio) come wrapped in a `ManagedAudioBackend`: hot-plug, the call moving
 * to the default device when its device vanishes and back when it returns, and `setDevice`
 * during a call. Files and the null device have nothing to plug.
 */
import type { Clock } from '../base/clock';
import { InvalidStateError, ValidationError } from '../base/errors';
import type { BackendChange, DeviceRole, EngineAudioBackend } from '../media/engine-api';
import type { AudioBackend } from './device';
import { ManagedAudioBackend } from './managed-backend';
import { NaudiodonBackend } from './naudiodon-device';
import { NullAudioBackend } from './null-device';
import { WavAudioBackend } from './wav-device';

export type EngineDeviceSpec =
  | { readonly kind: 'null' }
  | { readonly kind: 'wav'; readonly inputPath?: string; readonly outputPath?: string; readonly loop?: boolean }
  | { readonly kind: 'portaudio'; readonly stallMs?: number; readonly outputQueueFrames?: number }
  /** Capture from one kind and play to another (a WAV microphone with a real speaker, …). */
  | { readonly kind: 'split'; readonly input: DeviceEnd; readonly output: DeviceEnd };

/** One direction of a split: which backend, and which of its devices ('default' if unset). */
export type DeviceEnd =
  | { readonly kind: 'null' }
  | { readonly kind: 'wav'; readonly path: string; readonly loop?: boolean }
  | { readonly kind: 'portaudio'; readonly device?: string; readonly stallMs?: number };

function endBackend(end: DeviceEnd, direction: 'input' | 'output', clock: Clock): { backend: AudioBackend | ManagedAudioBackend; id: string } {
  switch (end.kind) {
    case 'null':
      return { backend: new NullAudioBackend(clock), id: 'default' };
    case 'wav':
      return {
        backend: new WavAudioBackend(direction === 'input' ? { clock, inputPath: end.path, loop: end.loop ?? true } : { clock, outputPath: end.path }),
        id: 'default',
      };
    case 'portaudio':
      return {
        backend: new ManagedAudioBackend(new NaudiodonBackend({ clock, ...(end.stallMs !== undefined ? { stallMs: end.stallMs } : {}) }), { clock }),
        id: end.device ?? 'default',
      };
  }
}

/** The factory the media worker calls (`devices.export` defaults to this name). */
export function createEngineDevices(spec: EngineDeviceSpec, clock: Clock): EngineAudioBackend & Pick<AudioBackend, 'listDevices'> {
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
      return new ManagedAudioBackend(
        new NaudiodonBackend({
          clock,
          ...(spec.stallMs !== undefined ? { stallMs: spec.stallMs } : {}),
          ...(spec.outputQueueFrames !== undefined ? { outputQueueFrames: spec.outputQueueFrames } : {}),
        }),
        { clock },
      );
    case 'split': {
      const input = endBackend(spec.input, 'input', clock);
      const output = endBackend(spec.output, 'output', clock);
      const managed = (role: DeviceRole): ManagedAudioBackend | undefined => {
        const b = (role === 'input' ? input : output).backend;
        return b instanceof ManagedAudioBackend ? b : undefined;
      };
      return {
        name: `${input.backend.name}+${output.backend.name}`,
        listDevices: () => [...input.backend.listDevices(), ...output.backend.listDevices()],
        openInput: (_id, options) => input.backend.openInput(input.id, options),
        openOutput: (_id, options) => output.backend.openOutput(output.id, options),
        watch: (fn: (change: BackendChange) => void) => {
          const offs = [...new Set([managed('input'), managed('output')])].map((m) => m?.watch(fn));
          return () => offs.forEach((off) => off?.());
        },
        setPreferred: (role: DeviceRole, name: string | undefined) => {
          const m = managed(role);
          if (!m) throw new InvalidStateError(`the ${role} is a ${(role === 'input' ? spec.input : spec.output).kind} device: nothing to switch`);
          m.setPreferred(role, name);
        },
      };
    }
    default:
      throw new ValidationError(`unknown device kind ${(spec as { kind: string }).kind}`);
  }
}
