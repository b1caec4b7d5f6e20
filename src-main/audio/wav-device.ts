/**
 * WAV files as devices: a file "microphone" paced by the injected clock (optionally looping)
 * and a file "speaker" that streams what it is given to a 16-bit mono WAV. The CLI's
 * `--play`/`--record` and headless tests use these instead of a sound card.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../base/clock';
import { MediaError } from '../base/errors';
import { TypedEmitter } from '../base/typed-emitter';
import { parseWav, toMono, WavFileWriter } from '../media/wav';
import {
  frameSamplesOf,
  type AudioBackend,
  type AudioDeviceInfo,
  type AudioInputStream,
  type AudioOutputStream,
  type AudioStreamOptions,
  type DeviceSelector,
} from './device';
import { PacedInputStream, PacedOutputStream } from './paced-stream';

export interface WavBackendOptions {
  readonly clock: Clock;
  /** The WAV file the input plays. Without it the backend has no input device. */
  readonly inputPath?: string;
  /** Restart the input at its end (default false: silence after the end). */
  readonly loop?: boolean;
  /** Where the output writes. Without it the backend has no output device. */
  readonly outputPath?: string;
}

export type WavBackendEvents = {
  /** The input reached the end of its file (each time, when looping). */
  inputEnded: [];
};

/**
 * Converts a whole signal between rates with a windowed-sinc interpolator (set-up time only:
 * it allocates). Low-passes at the lower of the two Nyquist frequencies.
 */
export function convertRate(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return input;
  const ratio = to / from;
  const out = new Int16Array(Math.floor(input.length * ratio));
  const cutoff = Math.min(1, ratio); // relative to the input Nyquist
  const half = 16; // taps on each side, in input samples, at cutoff 1
  const reach = Math.ceil(half / cutoff);
  for (let i = 0; i < out.length; i++) {
    const t = i / ratio;
    const c = Math.floor(t);
    let acc = 0;
    for (let k = c - reach + 1; k <= c + reach; k++) {
      if (k < 0 || k >= input.length) continue;
      const x = t - k;
      const arg = Math.PI * x * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
      const w = 0.5 + 0.5 * Math.cos((Math.PI * x) / (reach + 1)); // Hann window
      acc += input[k]! * cutoff * sinc * w;
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}

export class WavAudioBackend extends TypedEmitter<WavBackendEvents> implements AudioBackend {
  readonly name = 'wav';
  private readonly inputDevice: AudioDeviceInfo | undefined;
  private readonly outputDevice: AudioDeviceInfo | undefined;

  constructor(private readonly options: WavBackendOptions) {
    super();
    const base = { hostApi: 'wav', defaultSampleRate: 48000 };
    if (options.inputPath) {
      this.inputDevice = { ...base, id: `wav:${options.inputPath}`, name: options.inputPath, maxInputChannels: 1, maxOutputChannels: 0, isDefaultInput: true, isDefaultOutput: false };
    }
    if (options.outputPath) {
      this.outputDevice = { ...base, id: `wav-out:${options.outputPath}`, name: options.outputPath, maxInputChannels: 0, maxOutputChannels: 1, isDefaultInput: false, isDefaultOutput: true };
    }
  }

  listDevices(): AudioDeviceInfo[] {
    return [this.inputDevice, this.outputDevice].filter((d): d is AudioDeviceInfo => d !== undefined);
  }

  openInput(id: DeviceSelector, options: AudioStreamOptions): AudioInputStream {
    const dev = this.inputDevice;
    if (!dev || (id !== 'default' && id !== dev.id)) throw new MediaError('media.device', `no such WAV input: ${id}`);
    let signal: Int16Array;
    try {
      const wav = parseWav(readFileSync(dev.name));
      signal = convertRate(toMono(wav), wav.sampleRate, options.sampleRate);
    } catch (e) {
      throw new MediaError('media.device', `cannot read WAV input ${dev.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const loop = this.options.loop === true && signal.length > 0;
    let pos = 0;
    let ended = signal.length === 0;
    return new PacedInputStream(this.options.clock, dev.id, options.sampleRate, frameSamplesOf(options), (into) => {
      let i = 0;
      while (i < into.length) {
        if (ended) {
          into.fill(0, i);
          return;
        }
        const n = Math.min(into.length - i, signal.length - pos);
        into.set(signal.subarray(pos, pos + n), i);
        i += n;
        pos += n;
        if (pos >= signal.length) {
          this.safeEmit('inputEnded');
          pos = 0;
          ended = !loop;
        }
      }
    });
  }

  openOutput(id: DeviceSelector, options: AudioStreamOptions): AudioOutputStream {
    const dev = this.outputDevice;
    if (!dev || (id !== 'default' && id !== dev.id)) throw new MediaError('media.device', `no such WAV output: ${id}`);
    let writer: WavFileWriter;
    try {
      writer = WavFileWriter.createSync(dev.name, { sampleRate: options.sampleRate, channels: 1 });
    } catch (e) {
      throw new MediaError('media.device', `cannot create WAV output ${dev.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const stream: PacedOutputStream = new PacedOutputStream(
      this.options.clock,
      dev.id,
      options.sampleRate,
      frameSamplesOf(options),
      (frame) => {
        try {
          writer.write(frame);
        } catch (e) {
          stream.fail(new MediaError('media.device', `WAV output ${dev.name} failed`, { cause: e }));
        }
      },
      () => writer.close(),
    );
    return stream;
  }
}
