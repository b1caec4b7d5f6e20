/**
 * The audio frame and port contract of the media engine (pjmedia's `pjmedia_port`,
 * `pjmedia/include/pjmedia/port.h`).
 *
 * Everything that produces or consumes audio — the jitter buffer's decoder output, the
 * conference mixer, devices, file players, the recorder — is an `AudioPort` that moves fixed
 * 20 ms frames of mono signed 16-bit PCM at the port's `sampleRate`. A frame is a plain
 * `Int16Array` of exactly `samplesPerFrame(sampleRate)` samples; the caller owns and reuses the
 * buffer, so the 20 ms media loop allocates nothing per frame.
 *
 * Keep this file tiny and stable: other layers (audio, ua) build on it.
 */

/** Every frame in the engine is 20 ms long. */
export const FRAME_MS = 20;

/** Sample rates the engine runs at: codec rates (8k, 16k, 48k) and device rates (44.1k, 48k). */
export type SampleRate = 8000 | 16000 | 32000 | 44100 | 48000;

/**
 * Samples in one 20 ms mono frame at `sampleRate` (160 at 8 kHz, 320 at 16 kHz, 882 at
 * 44.1 kHz, 960 at 48 kHz). Throws a RangeError when the rate does not give a whole number of
 * samples per frame.
 */
export function samplesPerFrame(sampleRate: number): number {
  const n = (sampleRate * FRAME_MS) / 1000;
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`sample rate ${sampleRate} Hz gives no whole 20 ms frame`);
  }
  return n;
}

/** Allocates one zeroed frame for `sampleRate` (at setup time, never in the media loop). */
export function createFrame(sampleRate: number): Int16Array {
  return new Int16Array(samplesPerFrame(sampleRate));
}

/** An `Int16Array` frame tagged with its rate, for places that pass frames between rates. */
export interface AudioFrame {
  /** Mono PCM, length `samplesPerFrame(sampleRate)`. */
  readonly samples: Int16Array;
  readonly sampleRate: number;
}

/**
 * A source and/or sink of 20 ms frames (pjmedia_port's get_frame/put_frame).
 *
 * - `readFrame(into)` fills `into` (length `samplesPerFrame(sampleRate)`) with the next frame and
 *   returns true, or returns false when the port has nothing to give (silence; `into` is then
 *   zero-filled by the port).
 * - `writeFrame(frame)` consumes one frame; the port must copy what it keeps, because the caller
 *   reuses `frame`.
 *
 * A port that only produces may make `writeFrame` a no-op, and one that only consumes may
 * return false from `readFrame`.
 */
export interface AudioPort {
  readonly sampleRate: number;
  readFrame(into: Int16Array): boolean;
  writeFrame(frame: Int16Array): void;
}
