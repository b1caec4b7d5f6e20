/**
 * WAV (RIFF/WAVE) reading and streaming writing for the media layer: file prompts, the WAV
 * device and the call recorder. Reads PCM 8/16/24/32-bit, IEEE float 32 and
 * WAVE_FORMAT_EXTENSIBLE wrappers of those; writes 16-bit PCM.
 *
 * The writer streams to disk in chunks (never the whole call in memory) and rewrites the RIFF
 * and data sizes after every chunk, so a file cut short by a crash is still readable up to its
 * last flushed chunk; `close()` writes the final sizes.
 */
import { close as closeFd, openSync, write as writeFd, writeSync } from 'node:fs';
import { ValidationError } from '../base/errors';

export interface WavData {
  readonly sampleRate: number;
  readonly channels: number;
  /** Interleaved samples, converted to signed 16-bit. */
  readonly samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/** Parses a whole WAV file. Throws `ValidationError` on anything it cannot read. */
export function parseWav(bytes: Uint8Array): WavData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourcc(view, 0) !== 'RIFF' || fourcc(view, 8) !== 'WAVE') {
    throw new ValidationError('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let dataAt = -1;
  let dataLen = 0;
  let at = 12;
  while (at + 8 <= bytes.byteLength) {
    const id = fourcc(view, at);
    const len = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (len < 16 || body + 16 > bytes.byteLength) throw new ValidationError('WAV fmt chunk too short');
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && len >= 40) format = view.getUint16(body + 24, true);
      fmt = { format, channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      dataAt = body;
      // A crashed writer may leave 0 or a size past the end: take what is there.
      dataLen = len === 0 || body + len > bytes.byteLength ? bytes.byteLength - body : len;
      break;
    }
    at = body + len + (len & 1);
  }
  if (!fmt) throw new ValidationError('WAV has no fmt chunk');
  if (dataAt < 0) throw new ValidationError('WAV has no data chunk');
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1 || channels > 8) throw new ValidationError(`WAV with ${channels} channels`);
  if (sampleRate < 1000 || sampleRate > 384000) throw new ValidationError(`WAV at ${sampleRate} Hz`);
  const bytesPer = bits / 8;
  const okPcm = format === FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const okFloat = format === FORMAT_FLOAT && bits === 32;
  if (!okPcm && !okFloat) throw new ValidationError(`unsupported WAV encoding (format ${format}, ${bits} bits)`);
  const n = Math.floor(dataLen / bytesPer);
  const samples = new Int16Array(n - (n % channels));
  for (let i = 0; i < samples.length; i++) {
    const p = dataAt + i * bytesPer;
    let v: number;
    if (okFloat) v = Math.round(Math.max(-1, Math.min(1, view.getFloat32(p, true))) * 32767);
    else if (bits === 8) v = (view.getUint8(p) - 128) << 8;
    else if (bits === 16) v = view.getInt16(p, true);
    else if (bits === 24) v = ((view.getUint8(p + 2) << 24) | (view.getUint8(p + 1) << 16)) >> 16;
    else v = view.getInt32(p, true) >> 16;
    samples[i] = v;
  }
  return { sampleRate, channels, samples };
}

/** Mixes interleaved channels down to mono (the average). */
export function toMono(wav: WavData): Int16Array {
  if (wav.channels === 1) return wav.samples;
  const c = wav.channels;
  const out = new Int16Array(Math.floor(wav.samples.length / c));
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += wav.samples[i * c + k]!;
    out[i] = Math.round(s / c);
  }
  return out;
}

/** The 44-byte header of a 16-bit PCM WAV with `dataBytes` of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff - 36, dataBytes), 40);
  return h;
}

/** Encodes samples as a complete 16-bit PCM WAV in memory (small prompts and tests). */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  const body = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.concat([wavHeader(sampleRate, channels, samples.byteLength), body]);
}

export interface WavWriterOptions {
  readonly sampleRate: number;
  readonly channels: number;
  /** Bytes buffered before a chunk goes to disk (default: one second of audio). */
  readonly chunkBytes?: number;
}

/**
 * Streams 16-bit PCM to a WAV file. `write()` is synchronous and copies into a chunk buffer;
 * full chunks are written in the background, one at a time, each followed by a header update.
 */
export class WavFileWriter {
  private chunk: Buffer;
  private fill = 0;
  private dataBytes = 0;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private isClosed = false;

  private constructor(
    private readonly fd: number,
    readonly path: string,
    readonly sampleRate: number,
    readonly channels: number,
    private readonly chunkBytes: number,
  ) {
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  /**
   * Creates (truncates) `path` and writes a provisional header. Synchronous (set-up time only,
   * never in the media loop) so devices can open a sink without awaiting.
   */
  static createSync(path: string, options: WavWriterOptions): WavFileWriter {
    const frameBytes = 2 * options.channels;
    const chunkBytes = options.chunkBytes ?? options.sampleRate * frameBytes;
    const fd = openSync(path, 'w');
    writeSync(fd, wavHeader(options.sampleRate, options.channels, 0), 0, 44, 0);
    return new WavFileWriter(fd, path, options.sampleRate, options.channels, Math.max(frameBytes, chunkBytes - (chunkBytes % frameBytes)));
  }

  /** Bytes of samples accepted so far (flushed or not). */
  get bytesWritten(): number {
    return this.dataBytes + this.fill;
  }

  /** Appends interleaved samples. Throws the background write error, if one happened. */
  write(samples: Int16Array): void {
    if (this.isClosed) return;
    if (this.failure) throw this.failure;
    let src = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    while (src.length > 0) {
      const n = Math.min(src.length, this.chunk.length - this.fill);
      src.copy(this.chunk, this.fill, 0, n);
      this.fill += n;
      src = src.subarray(n);
      if (this.fill === this.chunk.length) this.flush();
    }
  }

  /** Writes the final header and closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return this.pending;
    this.isClosed = true;
    this.flush();
    this.pending = this.pending.finally(() => new Promise<void>((resolve) => closeFd(this.fd, () => resolve())));
    await this.pending;
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    if (this.fill === 0) return;
    const out = this.chunk.subarray(0, this.fill);
    const position = 44 + this.dataBytes;
    this.dataBytes += this.fill;
    const size = this.dataBytes;
    // The full chunk now belongs to the background write; take a fresh one.
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.fill = 0;
    this.pending = this.pending.then(async () => {
      if (this.failure) return;
      try {
        await writeAt(this.fd, out, position);
        await writeAt(this.fd, wavHeader(this.sampleRate, this.channels, size), 0);
      } catch (e) {
        this.failure = e;
      }
    });
  }
}

function writeAt(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    writeFd(fd, buf, 0, buf.length, position, (err) => (err ? reject(err) : resolve()));
  });
}
