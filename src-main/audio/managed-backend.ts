/**
 * The media engine's view of a sound card with hot-plug: an `EngineAudioBackend` whose capture
 * and playback streams are `DeviceManager` handles, so the engine keeps one stream per role for
 * the whole call while the manager moves it between devices — to the default when the device in
 * use vanishes or fails, back to the preferred one (remembered by name) when it returns, or to
 * the one the user picks during a call (`setPreferred`). The engine hears about each move
 * through `watch` and reports it as its `deviceChanged` event.
 *
 * The manager is made with the first stream's format and disposed when the last stream
 * closes; the preferences outlive it.
 */
import type { Clock } from '../base/clock';
import { MediaError } from '../base/errors';
import type { Logger } from '../base/logger';
import { TypedEmitter } from '../base/typed-emitter';
import type { BackendChange, EngineAudioBackend, EngineInputStream, EngineOutputStream } from '../media/engine-api';
import type { AudioBackend, AudioDeviceInfo, AudioStreamOptions, DeviceSelector } from './device';
import { DeviceManager, type DevicePreferences, type ManagedOutput } from './device-manager';

export interface ManagedBackendOptions {
  readonly clock: Clock;
  /** Device-list polling period while streams are open (default: the manager's, 2 s). */
  readonly pollMs?: number;
  readonly logger?: Logger;
}

type Role = 'input' | 'output';

/** The capture handle as the engine sees it: frames from whichever device is current. */
class ManagedInputStream extends TypedEmitter<{ frame: [Int16Array]; error: [Error] }> implements EngineInputStream {
  constructor(private readonly closeFn: () => Promise<void>) {
    super();
  }
  deliver(frame: Int16Array): void {
    this.safeEmit('frame', frame);
  }
  close(): Promise<void> {
    return this.closeFn();
  }
}

/** The playback handle as the engine sees it. */
class ManagedOutputStream extends TypedEmitter<{ error: [Error] }> implements EngineOutputStream {
  constructor(
    private readonly handle: ManagedOutput,
    private readonly closeFn: () => Promise<void>,
  ) {
    super();
  }
  writeFrame(frame: Int16Array): boolean {
    return this.handle.writeFrame(frame);
  }
  close(): Promise<void> {
    return this.closeFn();
  }
}

export class ManagedAudioBackend implements EngineAudioBackend {
  readonly name: string;
  private manager: DeviceManager | undefined;
  private format: AudioStreamOptions | undefined;
  private prefs: DevicePreferences = {};
  private open = 0;
  private readonly watchers = new Set<(change: BackendChange) => void>();

  constructor(
    private readonly inner: AudioBackend,
    private readonly options: ManagedBackendOptions,
  ) {
    this.name = `managed:${inner.name}`;
  }

  listDevices(): AudioDeviceInfo[] {
    return this.inner.listDevices();
  }

  openInput(id: DeviceSelector, options: AudioStreamOptions): EngineInputStream {
    const manager = this.managerFor('input', id, options);
    const handle = manager.openInput();
    const stream = new ManagedInputStream(this.once(() => handle.close()));
    handle.on('frame', (frame) => stream.deliver(frame));
    return stream;
  }

  openOutput(id: DeviceSelector, options: AudioStreamOptions): EngineOutputStream {
    const manager = this.managerFor('output', id, options);
    const handle = manager.openOutput();
    return new ManagedOutputStream(handle, this.once(() => handle.close()));
  }

  /** Subscribes to device moves and device errors; returns the unsubscribe function. */
  watch(fn: (change: BackendChange) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /**
   * Remembers `name` as the device for `role` (undefined: follow the system default) and moves
   * an open stream there at once. An unknown name is refused with a MediaError.
   */
  setPreferred(role: Role, name: string | undefined): void {
    if (name !== undefined && !this.inner.listDevices().some((d) => d.name === name && (role === 'input' ? d.maxInputChannels : d.maxOutputChannels) > 0)) {
      throw new MediaError('media.device', `no ${role} device named ${name}`);
    }
    this.prefer(role, name);
  }

  private prefer(role: Role, name: string | undefined): void {
    const next: Record<string, string> = { ...this.prefs } as Record<string, string>;
    if (name === undefined) delete next[role];
    else next[role] = name;
    this.prefs = next;
    this.manager?.setPreferred(role, name);
  }

  /** The manager for the streams now open (made with the first one's format). */
  private managerFor(role: Role, id: DeviceSelector, options: AudioStreamOptions): DeviceManager {
    if (id !== 'default') {
      const dev = this.inner.listDevices().find((d) => d.id === id || d.name === id);
      if (!dev) throw new MediaError('media.device', `no such device: ${id}`);
      this.prefer(role, dev.name); // found just now: no second enumeration (65-80 ms with no stream open)
    }
    if (this.manager && this.format && (this.format.sampleRate !== options.sampleRate || this.format.frameMs !== options.frameMs)) {
      throw new MediaError('media.device', `streams of one backend share a format: ${this.format.sampleRate} Hz is open, ${options.sampleRate} Hz asked`);
    }
    if (!this.manager) {
      const m = new DeviceManager({
        backend: this.inner,
        clock: this.options.clock,
        stream: options,
        preferences: this.prefs,
        ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}),
        ...(this.options.logger ? { logger: this.options.logger } : {}),
      });
      m.on('deviceSwitched', (r, _from, to, reason) => {
        if (r !== 'ringer') this.tell({ kind: 'switched', role: r, device: to.name, reason });
      });
      m.on('deviceLost', (r, device) => {
        if (r !== 'ringer') this.tell({ kind: 'lost', role: r, device: device.name });
      });
      m.on('error', (r, error) => this.tell({ kind: 'error', message: `${r}: ${error.message}` }));
      m.start();
      this.manager = m;
      this.format = options;
    }
    this.open++;
    return this.manager;
  }

  /** A stream's close: idempotent; the last one disposes the manager. */
  private once(close: () => Promise<void>): () => Promise<void> {
    let closed = false;
    return async () => {
      if (closed) return;
      closed = true;
      await this.release(close);
    };
  }

  private async release(close: () => Promise<void>): Promise<void> {
    await close();
    if (--this.open > 0 || !this.manager) return;
    const m = this.manager;
    this.manager = undefined;
    this.format = undefined;
    await m.dispose();
  }

  private tell(change: BackendChange): void {
    for (const fn of this.watchers) {
      try {
        fn(change);
      } catch {
        // A watcher's fault is its own; the other watchers and the device still work.
      }
    }
  }
}
