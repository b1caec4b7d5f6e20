/**
 * The message protocol between `MediaWorkerHost` (the engine's caller's thread) and the media
 * worker (`entry.ts`), after mediasoup's Channel: numbered requests answered once each, and
 * events pushed from the worker. Everything is structured-clone data.
 */
import type { EchoControlSettings } from '../echo/echo-control';
import type { EncoderOptions } from '../codecs/audio-codec';
import type { MediaEngineApi, MediaEngineEvents } from '../engine-api';
import type { JitterBufferOptions } from '../jitter/jitter-buffer';

/** Engine options that can cross into the worker (no clock, sockets or objects). */
export interface WorkerEngineOptions {
  readonly address?: string;
  readonly portMin?: number;
  readonly portMax?: number;
  readonly sampleRate?: number;
  readonly inputDevice?: string;
  readonly outputDevice?: string;
  readonly echo?: EchoControlSettings;
  readonly encoder?: EncoderOptions;
  readonly jitter?: Partial<JitterBufferOptions>;
  readonly statsIntervalMs?: number;
}

/**
 * Where the worker gets its devices: a module (file URL or path) whose export (default
 * `createEngineDevices`, src-main/audio/engine-devices.ts) is called as `(options, clock)`
 * and returns an `EngineAudioBackend`.
 */
export interface WorkerDeviceModule {
  readonly module: string;
  readonly export?: string;
  readonly options?: unknown;
}

export interface MediaWorkerData {
  readonly engine: WorkerEngineOptions;
  readonly devices?: WorkerDeviceModule;
}

/** Engine methods callable through the channel. */
export type EngineMethod = Exclude<keyof MediaEngineApi, 'on' | 'once' | 'off'>;

export const ENGINE_METHODS: readonly EngineMethod[] = [
  'openEndpoint',
  'startSession',
  'updateSession',
  'sendDtmf',
  'setRecording',
  'report',
  'setDevice',
  'setVoiceProcessing',
  'closeEndpoint',
  'stats',
  'close',
];

export interface WorkerRequest {
  readonly id: number;
  readonly method: EngineMethod;
  readonly args: readonly unknown[];
}

export interface SerializedError {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
}

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly error: SerializedError }
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: SerializedError }
  | { readonly kind: 'event'; readonly event: keyof MediaEngineEvents; readonly args: readonly unknown[] };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, code: typeof code === 'string' ? code : undefined, message: e.message };
  }
  return { name: 'Error', code: undefined, message: String(e) };
}

export function isEngineMethod(m: unknown): m is EngineMethod {
  return typeof m === 'string' && (ENGINE_METHODS as readonly string[]).includes(m);
}
