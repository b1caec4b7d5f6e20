/**
 * The media worker thread: runs a `MediaEngine` on the real clock and real UDP, with devices
 * from the module named in `workerData.devices`, and serves the host's numbered requests. Its
 * event loop holds only the media path, so a stalled main thread (UI IPC, SQLite, a GC-heavy
 * burst) does not delay the 20 ms ticks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../../base/clock';
import { ValidationError } from '../../base/errors';
import type { EngineAudioBackend, MediaEngineEvents } from '../engine-api';
import { MediaEngine } from '../engine';
import { isEngineMethod, serializeError, type MediaWorkerData, type WorkerMessage, type WorkerRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('media worker entry must run in a worker thread');
const post = (m: WorkerMessage): void => port.postMessage(m);

async function loadDevices(data: MediaWorkerData): Promise<EngineAudioBackend | undefined> {
  const spec = data.devices;
  if (!spec) return undefined;
  const url = /^[a-z]+:/i.test(spec.module) ? spec.module : pathToFileURL(spec.module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const factory = mod[spec.export ?? 'createEngineDevices'];
  if (typeof factory !== 'function') throw new ValidationError(`${spec.module} has no export ${spec.export ?? 'createEngineDevices'}`);
  return (await (factory as (o: unknown, c: typeof systemClock) => EngineAudioBackend | Promise<EngineAudioBackend>)(spec.options, systemClock));
}

async function main(): Promise<void> {
  const data = workerData as MediaWorkerData;
  const devices = await loadDevices(data);
  const engine = new MediaEngine({ ...data.engine, clock: systemClock, ...(devices ? { devices } : {}) });
  const forward = <K extends keyof MediaEngineEvents>(event: K): void => {
    engine.on(event, (...args: MediaEngineEvents[K]) => post({ kind: 'event', event, args }));
  };
  forward('quality');
  forward('dtmf');
  forward('remoteLatched');
  forward('remoteBye');
  forward('deviceError');
  forward('deviceChanged');
  port!.on('message', (req: WorkerRequest) => {
    void (async () => {
      try {
        if (!isEngineMethod(req.method)) throw new ValidationError(`unknown media method ${String(req.method)}`);
        const fn = engine[req.method] as (...a: unknown[]) => Promise<unknown>;
        let value = await fn.apply(engine, [...req.args]);
        if (req.method === 'stats') value = { ...(value as object), isolated: true };
        post({ kind: 'response', id: req.id, ok: true, value });
        if (req.method === 'close') port!.close();
      } catch (e) {
        post({ kind: 'response', id: req.id, ok: false, error: serializeError(e) });
      }
    })();
  });
  post({ kind: 'ready' });
}

main().catch((e: unknown) => post({ kind: 'failed', error: serializeError(e) }));
