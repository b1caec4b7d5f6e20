/**
 * libopus 1.3.1 as plain WebAssembly: the two emscripten builds shipped by the `opus-encdec` npm
 * package (`dist/libopus-{encoder,decoder}.wasm.wasm`), instantiated synchronously without
 * emscripten's JS glue. Their exports are the libopus C functions plus malloc/free; their
 * imports are a handful of emscripten/WASI hooks, given below. Each module is loaded once, on
 * first use, and shared by every encoder (or decoder) of the process.
 *
 * The heap is fixed at 16 MiB by that build (no memory growth): about 235 encoders or 270
 * decoders at once per thread. When it is full, `alloc` (or create) throws
 * `MediaError('media.codec')`.
 * Views on the heap are re-read whenever `memory.buffer` changed (after a growth).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MediaError } from '../../base/errors';

/** The parts of the WebAssembly JS API used here (tsconfig.node has no DOM lib to declare them). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmImports = Record<string, Record<string, (...args: number[]) => unknown>>;
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: WasmImports) => { readonly exports: object };
}
const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

interface CommonExports {
  readonly memory: WasmMemory;
  __wasm_call_ctors(): void;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

interface EncoderExports extends CommonExports {
  opus_encoder_create(fs: number, channels: number, application: number, errorPtr: number): number;
  opus_encode_float(st: number, pcm: number, frameSize: number, data: number, maxDataBytes: number): number;
  opus_encoder_ctl(st: number, request: number, argsPtr: number): number;
  opus_encoder_destroy(st: number): void;
}

interface DecoderExports extends CommonExports {
  opus_decoder_create(fs: number, channels: number, errorPtr: number): number;
  opus_decode_float(st: number, data: number, len: number, pcm: number, frameSize: number, decodeFec: number): number;
  opus_decoder_ctl(st: number, request: number, argsPtr: number): number;
  opus_decoder_destroy(st: number): void;
}

/** libopus error codes (opus_defines.h) by value, for messages. */
const OPUS_ERRORS: Readonly<Record<number, string>> = {
  [-1]: 'OPUS_BAD_ARG',
  [-2]: 'OPUS_BUFFER_TOO_SMALL',
  [-3]: 'OPUS_INTERNAL_ERROR',
  [-4]: 'OPUS_INVALID_PACKET',
  [-5]: 'OPUS_UNIMPLEMENTED',
  [-6]: 'OPUS_INVALID_STATE',
  [-7]: 'OPUS_ALLOC_FAIL',
};

export function opusErrorName(code: number): string {
  return OPUS_ERRORS[code] ?? `error ${code}`;
}

/** The heap of one instance: allocation and current typed views. */
class OpusHeap<E extends CommonExports> {
  private u8View: Uint8Array;
  private f32View: Float32Array;
  private i32View: Int32Array;
  /** Two int32 slots: the variadic argument of a ctl, and the error out-parameter of create. */
  protected readonly scratch: number;

  constructor(protected readonly fn: E) {
    this.u8View = new Uint8Array(fn.memory.buffer);
    this.f32View = new Float32Array(fn.memory.buffer);
    this.i32View = new Int32Array(fn.memory.buffer);
    this.scratch = this.alloc(8);
  }

  get u8(): Uint8Array {
    if (this.u8View.buffer !== this.fn.memory.buffer) this.refresh();
    return this.u8View;
  }

  get f32(): Float32Array {
    if (this.f32View.buffer !== this.fn.memory.buffer) this.refresh();
    return this.f32View;
  }

  get i32(): Int32Array {
    if (this.i32View.buffer !== this.fn.memory.buffer) this.refresh();
    return this.i32View;
  }

  /** `malloc(bytes)`, 8-byte aligned; throws when the heap is full. */
  alloc(bytes: number): number {
    const ptr = this.fn.malloc(bytes);
    if (ptr === 0) throw new MediaError('media.codec', `Opus: wasm heap exhausted (malloc of ${bytes} bytes)`);
    return ptr;
  }

  free(ptr: number): void {
    if (ptr !== 0) this.fn.free(ptr);
  }

  /** Writes `value` into the variadic-argument slot and returns its address. */
  protected arg(value: number): number {
    this.i32[this.scratch >> 2] = value;
    return this.scratch;
  }

  /** Address of the int32 error out-parameter of `opus_*_create`. */
  protected get errorPtr(): number {
    return this.scratch + 4;
  }

  private refresh(): void {
    const buf = this.fn.memory.buffer;
    this.u8View = new Uint8Array(buf);
    this.f32View = new Float32Array(buf);
    this.i32View = new Int32Array(buf);
  }
}

export class OpusEncoderLib extends OpusHeap<EncoderExports> {
  /** `opus_encoder_create`; throws `MediaError` with libopus' error. */
  create(sampleRate: number, channels: number, application: number): number {
    const st = this.fn.opus_encoder_create(sampleRate, channels, application, this.errorPtr);
    const err = this.i32[this.errorPtr >> 2]!;
    if (st === 0 || err !== 0) {
      if (st !== 0) this.fn.opus_encoder_destroy(st);
      throw new MediaError('media.codec', `Opus: opus_encoder_create failed (${opusErrorName(err)})`);
    }
    return st;
  }

  /** A SET ctl taking one opus_int32 (variadic: wasm32 passes a pointer to the argument). */
  set(st: number, request: number, value: number): number {
    return this.fn.opus_encoder_ctl(st, request, this.arg(value));
  }

  /** `opus_encode_float`: bytes written at `data`, or a negative libopus error. */
  encodeFloat(st: number, pcm: number, frameSize: number, data: number, maxDataBytes: number): number {
    return this.fn.opus_encode_float(st, pcm, frameSize, data, maxDataBytes);
  }

  destroy(st: number): void {
    if (st !== 0) this.fn.opus_encoder_destroy(st);
  }
}

export class OpusDecoderLib extends OpusHeap<DecoderExports> {
  create(sampleRate: number, channels: number): number {
    const st = this.fn.opus_decoder_create(sampleRate, channels, this.errorPtr);
    const err = this.i32[this.errorPtr >> 2]!;
    if (st === 0 || err !== 0) {
      if (st !== 0) this.fn.opus_decoder_destroy(st);
      throw new MediaError('media.codec', `Opus: opus_decoder_create failed (${opusErrorName(err)})`);
    }
    return st;
  }

  /** A ctl with no argument (OPUS_RESET_STATE) or one opus_int32. */
  ctl(st: number, request: number, value = 0): number {
    return this.fn.opus_decoder_ctl(st, request, this.arg(value));
  }

  /** `opus_decode_float`: samples per channel written at `pcm`, or a negative libopus error. */
  decodeFloat(st: number, data: number, len: number, pcm: number, frameSize: number, decodeFec: boolean): number {
    return this.fn.opus_decode_float(st, data, len, pcm, frameSize, decodeFec ? 1 : 0);
  }

  destroy(st: number): void {
    if (st !== 0) this.fn.opus_decoder_destroy(st);
  }
}

/**
 * The emscripten/WASI imports of these builds: heap growth (refused by this build's fixed
 * memory, so malloc returns 0), memcpy of large blocks, abort, and stdio that goes nowhere.
 */
function imports(memory: () => WasmMemory): WasmImports {
  return {
    env: {
      emscripten_resize_heap: (requested: number): number => {
        const m = memory();
        const pages = Math.ceil((requested - m.buffer.byteLength) / 65536);
        try {
          if (pages > 0) m.grow(pages);
          return 1;
        } catch {
          return 0;
        }
      },
      emscripten_memcpy_big: (dest: number, src: number, num: number): number => {
        new Uint8Array(memory().buffer).copyWithin(dest, src, src + num);
        return dest;
      },
      abort: (): never => {
        throw new MediaError('media.codec', 'Opus: libopus aborted');
      },
      setTempRet0: (): void => {},
    },
    wasi_snapshot_preview1: {
      fd_close: (): number => 0,
      // Report every byte as written (libopus prints nothing in a release build).
      fd_write: (_fd: number, iov: number, iovcnt: number, pnum: number): number => {
        const h = new Int32Array(memory().buffer);
        let n = 0;
        for (let i = 0; i < iovcnt; i++) n += h[(iov >> 2) + i * 2 + 1]!;
        h[pnum >> 2] = n;
        return 0;
      },
      fd_seek: (): number => 70, // ESPIPE: no seekable files here.
    },
  };
}

function instantiate<E extends CommonExports>(file: string): E {
  try {
    const path = createRequire(import.meta.url).resolve(`opus-encdec/dist/${file}`);
    const module = new wasm.Module(readFileSync(path));
    // The imports need the instance's own memory, known only once it exists.
    const own: { memory?: WasmMemory } = {};
    const instance = new wasm.Instance(module, imports(() => own.memory!));
    const fn = instance.exports as unknown as E;
    own.memory = fn.memory;
    fn.__wasm_call_ctors();
    return fn;
  } catch (cause) {
    throw new MediaError('media.codec', `Opus: could not load ${file} from opus-encdec`, { cause });
  }
}

let encoderLib: OpusEncoderLib | undefined;
let decoderLib: OpusDecoderLib | undefined;

/** The libopus encoder module, loaded on first call; throws `MediaError('media.codec')`. */
export function opusEncoderLib(): OpusEncoderLib {
  encoderLib ??= new OpusEncoderLib(instantiate<EncoderExports>('libopus-encoder.wasm.wasm'));
  return encoderLib;
}

/** The libopus decoder module, loaded on first call; throws `MediaError('media.codec')`. */
export function opusDecoderLib(): OpusDecoderLib {
  decoderLib ??= new OpusDecoderLib(instantiate<DecoderExports>('libopus-decoder.wasm.wasm'));
  return decoderLib;
}
