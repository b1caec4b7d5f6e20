/**
 * The media engine on a worker thread, behind the same `MediaEngineApi` as the in-thread
 * `MediaEngine` (mediasoup's Channel, `node/src/Channel.ts`): each request gets a number and
 * waits in a pending map for the response with that number; events from the worker are
 * re-emitted here; when the worker exits or fails, every pending request is rejected with
 * InvalidStateError ("channel closed, pending request aborted [method:…, id:…]") and `closed`
 * is emitted.
 *
 * The worker runs `entry.ts` next to this file. From built JavaScript it runs `entry.js` with
 * the parent's execArgv. From TypeScript sources (tsx, vitest) `execArgv: ['--import', 'tsx']`
 * does not work on Node 20 (loader hooks given through a Worker's execArgv are ignored,
 * nodejs/node#47747), so the worker starts from a two-line bootstrap that registers tsx's ESM
 * hooks (`tsx/esm/api` register()) inside the worker and then imports `entry.ts`.
 */
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidStateError, MediaError, ValidationError } from '../../base/errors';
import { nullLogger, type Logger } from '../../base/logger';
import { TypedEmitter } from '../../base/typed-emitter';
import type {
  DeviceRole,
  MediaEndpoint,
  MediaEngineApi,
  MediaEngineEvents,
  MediaEngineStats,
  MediaSessionId,
  OpenEndpointOptions,
  StartSessionOptions,
  VoiceProcessing,
} from '../engine-api';
import type { MediaQualityReport } from '../media-session';
import type { MediaSessionConfig } from '../media-session-config';
import type { EngineMethod, MediaWorkerData, SerializedError, WorkerMessage } from './protocol';

export interface MediaWorkerHostOptions extends MediaWorkerData {
  /** Node options for the worker; default `--import tsx` from sources, the parent's otherwise. */
  readonly execArgv?: readonly string[];
  /** A request unanswered for this long is rejected (default 10 s). */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
}

interface Pending {
  readonly method: EngineMethod;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class MediaWorkerHost extends TypedEmitter<MediaEngineEvents> implements MediaEngineApi {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private isClosed = false;
  private readonly log: Logger;

  private constructor(
    private readonly worker: Worker,
    private readonly options: MediaWorkerHostOptions,
  ) {
    super();
    this.log = (options.logger ?? nullLogger).child('media.worker');
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    worker.on('error', (e) => this.shut(`worker error: ${e.message}`));
    worker.on('exit', (code) => this.shut(`worker exited with code ${code}`));
  }

  /** Starts the worker and waits until its engine is ready. */
  static async start(options: MediaWorkerHostOptions): Promise<MediaWorkerHost> {
    const self = fileURLToPath(import.meta.url);
    const fromSource = extname(self) === '.ts';
    const entry = new URL(`./entry${fromSource ? '.ts' : '.js'}`, import.meta.url);
    const data: MediaWorkerData = { engine: options.engine, ...(options.devices ? { devices: options.devices } : {}) };
    const worker = new Worker(fromSource ? tsxBootstrap(entry) : entry, {
      workerData: data,
      execArgv: [...(options.execArgv ?? (fromSource ? [] : process.execArgv))],
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerMessage): void => {
        if (m.kind === 'ready') done();
        else if (m.kind === 'failed') done(toError(m.error));
      };
      const onExit = (code: number): void => done(new MediaError('media.device', `media worker exited during start-up (code ${code})`));
      const onError = (e: Error): void => done(e);
      const done = (e?: Error): void => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (e) reject(e);
        else resolve();
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      worker.on('error', onError);
    });
    try {
      await ready;
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return new MediaWorkerHost(worker, options);
  }

  /** The worker's thread id (diagnostics). */
  get threadId(): number {
    return this.worker.threadId;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  openEndpoint(options: OpenEndpointOptions = {}): Promise<MediaEndpoint> {
    return this.request('openEndpoint', [options]) as Promise<MediaEndpoint>;
  }

  startSession(id: MediaSessionId, config: MediaSessionConfig, options: StartSessionOptions = {}): Promise<void> {
    return this.request('startSession', [id, config, options]) as Promise<void>;
  }

  updateSession(id: MediaSessionId, config: MediaSessionConfig): Promise<void> {
    return this.request('updateSession', [id, config]) as Promise<void>;
  }

  sendDtmf(id: MediaSessionId, digit: string, durationMs?: number): Promise<void> {
    return this.request('sendDtmf', durationMs === undefined ? [id, digit] : [id, digit, durationMs]) as Promise<void>;
  }

  setRecording(id: MediaSessionId, path: string | null): Promise<void> {
    return this.request('setRecording', [id, path]) as Promise<void>;
  }

  setDevice(role: DeviceRole, device: string | null): Promise<void> {
    return this.request('setDevice', [role, device]) as Promise<void>;
  }

  setVoiceProcessing(settings: VoiceProcessing): Promise<void> {
    return this.request('setVoiceProcessing', [settings]) as Promise<void>;
  }

  report(id: MediaSessionId): Promise<MediaQualityReport> {
    return this.request('report', [id]) as Promise<MediaQualityReport>;
  }

  closeEndpoint(id: MediaSessionId): Promise<void> {
    return this.request('closeEndpoint', [id]) as Promise<void>;
  }

  stats(): Promise<MediaEngineStats> {
    return this.request('stats', []) as Promise<MediaEngineStats>;
  }

  /** Closes the engine in the worker, then the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    try {
      await this.request('close', []);
    } catch (e) {
      this.log.warn('close request failed', { error: String(e) });
    }
    await this.worker.terminate();
    this.shut('closed');
  }

  /**
   * Kills the worker at once (tests of the pending-request rule; a hung engine). Pending
   * requests are aborted now: an answer the worker posts while it is being torn down is dropped.
   */
  async terminate(): Promise<void> {
    this.shut('terminated');
    await this.worker.terminate();
  }

  private request(method: EngineMethod, args: unknown[]): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new InvalidStateError(`media channel closed [method:${method}]`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MediaError('media.rtp', `media request timed out [method:${method}, id:${id}]`));
      }, this.options.requestTimeoutMs ?? 10_000);
      this.pending.set(id, { method, resolve, reject, timer });
      this.worker.postMessage({ id, method, args });
    });
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === 'response') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(toError(m.error));
    } else if (m.kind === 'event') {
      (this.safeEmit as (e: keyof MediaEngineEvents, ...a: readonly unknown[]) => void)(m.event, ...m.args);
    }
  }

  private shut(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new InvalidStateError(`media channel closed, pending request aborted [method:${p.method}, id:${id}]`));
    }
    this.pending.clear();
    this.log.info('channel closed', { reason });
    this.safeEmit('closed', reason);
  }
}

/** A data: URL module that registers tsx in the worker, then loads `entry`. */
function tsxBootstrap(entry: URL): URL {
  const code = `const { register } = await import(${JSON.stringify(tsxApiUrl())}); register(); await import(${JSON.stringify(entry.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** The file URL of tsx's ESM API (a data: URL cannot resolve bare specifiers). */
function tsxApiUrl(): string {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (resolve) {
    try {
      const url = resolve('tsx/esm/api');
      if (url.startsWith('file:')) return url;
    } catch {
      // fall through to require.resolve
    }
  }
  // The package's "require" condition gives index.cjs; the ESM build sits beside it.
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/** Rebuilds a typed error from the worker, so `instanceof` and `code` work on this side. */
function toError(e: SerializedError): Error {
  switch (e.name) {
    case 'InvalidStateError':
      return new InvalidStateError(e.message);
    case 'ValidationError':
      return new ValidationError(e.message);
    case 'MediaError':
      return new MediaError((e.code ?? 'media.rtp') as MediaError['code'], e.message);
    default: {
      const err = new Error(e.message);
      err.name = e.name;
      return err;
    }
  }
}
