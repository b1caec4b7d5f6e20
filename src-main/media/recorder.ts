/**
 * Call recording: a stereo 16-bit WAV with the local side (microphone) on the left channel and
 * the remote side (what the user hears) on the right. Audio streams to disk in chunks of about
 * a second (media/wav.ts `WavFileWriter`): the header is rewritten after every chunk, so a file
 * cut short by a crash stays readable up to the last chunk, and `close()` writes the final sizes.
 *
 * Feed it either with `write(local, remote)` once per 20 ms tick, or through the two ports
 * `local` and `remote` (each an `AudioPort` sink) when the sides arrive separately: frames are
 * paired in order, and a side that falls more than `maxSkewFrames` behind is padded with
 * silence so the channels stay aligned.
 */
import { samplesPerFrame, type AudioPort } from './frame';
import { FrameQueuePort } from './mixer/frame-queue-port';
import { WavFileWriter } from './wav';

export interface CallRecorderOptions {
  readonly sampleRate: number;
  /** How far one side may run ahead before the other is padded with silence (default 5). */
  readonly maxSkewFrames?: number;
  /** Bytes per disk write (default: one second of stereo audio). */
  readonly chunkBytes?: number;
}

class SidePort implements AudioPort {
  constructor(
    readonly sampleRate: number,
    private readonly onFrame: (frame: Int16Array) => void,
  ) {}
  readFrame(into: Int16Array): boolean {
    into.fill(0);
    return false;
  }
  writeFrame(frame: Int16Array): void {
    this.onFrame(frame);
  }
}

export class CallRecorder {
  readonly sampleRate: number;
  /** Sink for the local (microphone) side: the left channel. */
  readonly local: AudioPort;
  /** Sink for the remote side: the right channel. */
  readonly remote: AudioPort;
  private readonly frameSamples: number;
  private readonly stereo: Int16Array;
  private readonly silence: Int16Array;
  private readonly a: Int16Array;
  private readonly b: Int16Array;
  private readonly qLocal: FrameQueuePort;
  private readonly qRemote: FrameQueuePort;
  private readonly maxSkew: number;
  private frames = 0;
  private isClosed = false;

  private constructor(
    private readonly writer: WavFileWriter,
    options: CallRecorderOptions,
  ) {
    this.sampleRate = options.sampleRate;
    this.frameSamples = samplesPerFrame(options.sampleRate);
    this.stereo = new Int16Array(2 * this.frameSamples);
    this.silence = new Int16Array(this.frameSamples);
    this.a = new Int16Array(this.frameSamples);
    this.b = new Int16Array(this.frameSamples);
    this.maxSkew = options.maxSkewFrames ?? 5;
    this.qLocal = new FrameQueuePort(options.sampleRate, undefined, this.maxSkew + 1);
    this.qRemote = new FrameQueuePort(options.sampleRate, undefined, this.maxSkew + 1);
    this.local = new SidePort(options.sampleRate, (f) => this.side(this.qLocal, f));
    this.remote = new SidePort(options.sampleRate, (f) => this.side(this.qRemote, f));
  }

  /** Creates (truncates) the file at `path`; synchronous set-up, never in the media loop. */
  static create(path: string, options: CallRecorderOptions): CallRecorder {
    const fs = samplesPerFrame(options.sampleRate);
    const writer = WavFileWriter.createSync(path, {
      sampleRate: options.sampleRate,
      channels: 2,
      chunkBytes: options.chunkBytes ?? Math.max(4 * fs, options.sampleRate * 4),
    });
    return new CallRecorder(writer, options);
  }

  get path(): string {
    return this.writer.path;
  }

  /** Milliseconds of audio recorded so far. */
  get durationMs(): number {
    return this.frames * 20;
  }

  /** Records one tick: both sides at once. */
  write(local: Int16Array, remote: Int16Array): void {
    if (this.isClosed) return;
    const s = this.stereo;
    const n = this.frameSamples;
    for (let i = 0; i < n; i++) {
      s[2 * i] = local[i] ?? 0;
      s[2 * i + 1] = remote[i] ?? 0;
    }
    this.writer.write(s);
    this.frames++;
  }

  /** Flushes paired frames (padding the missing side) and finalises the file; idempotent. */
  async close(): Promise<void> {
    if (!this.isClosed) {
      while (this.qLocal.queued > 0 || this.qRemote.queued > 0) this.emitPair();
      this.isClosed = true;
    }
    await this.writer.close();
  }

  private side(q: FrameQueuePort, frame: Int16Array): void {
    if (this.isClosed) return;
    q.push(frame);
    while (this.qLocal.queued > 0 && this.qRemote.queued > 0) this.emitPair();
    // One side stopped (hold, no RTP): pad the other so the channels stay aligned.
    while (this.qLocal.queued > this.maxSkew || this.qRemote.queued > this.maxSkew) this.emitPair();
  }

  private emitPair(): void {
    const l = this.qLocal.readFrame(this.a) ? this.a : this.silence;
    const r = this.qRemote.readFrame(this.b) ? this.b : this.silence;
    this.write(l, r);
  }
}
