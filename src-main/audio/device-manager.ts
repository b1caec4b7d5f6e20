/**
 * Device selection and hot-plug. The engine holds one long-lived handle per role (capture,
 * playback, ringer); the manager decides which device sits behind each handle and moves it
 * live — during a call or while ringing — without the engine noticing more than an event:
 *
 * - the preferred device of each role is remembered by NAME (PortAudio indexes and even our
 *   ids shift across re-plugs) and taken back when it reappears (`deviceSwitched`, 'returned');
 * - when the device in use vanishes from the list or its stream fails, the handle moves to the
 *   default device (`deviceLost`, then `deviceSwitched`, 'lost'); with no device at all it
 *   falls back to the null device, so a call is never dropped for want of a sound card;
 * - the device list is polled every `pollMs` (2 s) on the injected clock (`devicesChanged`).
 *
 * A switch opens the new stream before closing the old one, so capture loses at most the
 * frame in flight.
 */
import type { Clock, TimerHandle } from '../base/clock';
import { InvalidStateError, MediaError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { TypedEmitter } from '../base/typed-emitter';
import type { AudioBackend, AudioDeviceInfo, AudioInputStream, AudioOutputStream, AudioStreamOptions } from './device';
import { NULL_DEVICE, NullAudioBackend } from './null-device';

/** A device whose stream failed is not chosen again for this long (unless it is re-plugged). */
const FAILED_HOLD_MS = 10_000;

export type DeviceRole = 'input' | 'output' | 'ringer';
export type SwitchReason = 'opened' | 'user' | 'lost' | 'returned';

/** Preferred device names per role; the ringer falls back to the output preference. */
export interface DevicePreferences {
  readonly input?: string;
  readonly output?: string;
  readonly ringer?: string;
}

export type DeviceManagerEvents = {
  devicesChanged: [devices: readonly AudioDeviceInfo[], added: readonly AudioDeviceInfo[], removed: readonly AudioDeviceInfo[]];
  deviceLost: [role: DeviceRole, device: AudioDeviceInfo];
  deviceSwitched: [role: DeviceRole, from: AudioDeviceInfo | undefined, to: AudioDeviceInfo, reason: SwitchReason];
  error: [role: DeviceRole | 'enumeration', error: MediaError];
};

export interface DeviceManagerOptions {
  readonly backend: AudioBackend;
  readonly clock: Clock;
  readonly stream: AudioStreamOptions;
  readonly preferences?: DevicePreferences;
  readonly pollMs?: number;
  readonly logger?: Logger;
}

/** The capture handle: frames from whichever input device is current. */
export class ManagedInput extends TypedEmitter<{ frame: [Int16Array] }> {
  /** @internal */ constructor(private readonly release: () => Promise<void>) {
    super();
  }
  /** @internal */ deliver(frame: Int16Array): void {
    this.safeEmit('frame', frame);
  }
  close(): Promise<void> {
    return this.release();
  }
}

/** A playback handle (speaker or ringer): frames go to whichever output device is current. */
export class ManagedOutput {
  /** @internal */ target: AudioOutputStream | undefined;
  /** @internal */ constructor(private readonly release: () => Promise<void>) {}
  /** False when no device takes it now, or the device dropped it (see AudioOutputStream). */
  writeFrame(frame: Int16Array): boolean {
    return this.target?.writeFrame(frame) ?? false;
  }
  close(): Promise<void> {
    return this.release();
  }
}

interface Slot {
  readonly role: DeviceRole;
  device: AudioDeviceInfo | undefined;
  stream: AudioInputStream | AudioOutputStream | undefined;
  offStream: (() => void)[];
  input?: ManagedInput;
  output?: ManagedOutput;
}

export class DeviceManager extends TypedEmitter<DeviceManagerEvents> {
  private readonly backend: AudioBackend;
  private readonly fallback: NullAudioBackend;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly log: Logger;
  private prefs: DevicePreferences;
  private list: AudioDeviceInfo[] | undefined;
  /** Devices whose stream failed, with the time until which they are not chosen again. */
  private readonly failed = new Map<string, number>();
  private readonly slots = new Map<DeviceRole, Slot>();
  private timer: TimerHandle | undefined;
  private disposed = false;

  constructor(private readonly options: DeviceManagerOptions) {
    super();
    this.backend = options.backend;
    this.clock = options.clock;
    this.fallback = new NullAudioBackend(options.clock);
    this.pollMs = options.pollMs ?? 2000;
    this.log = (options.logger ?? nullLogger).child('devices');
    this.prefs = { ...options.preferences };
  }

  /** Starts hot-plug polling (the first enumeration happens now). */
  start(): void {
    if (this.disposed) throw new InvalidStateError('device manager disposed');
    if (this.timer) return;
    this.poll();
  }

  /** The devices seen at the last enumeration. */
  devices(): readonly AudioDeviceInfo[] {
    return this.list ?? this.enumerate() ?? [];
  }

  preferences(): DevicePreferences {
    return { ...this.prefs };
  }

  /** The device currently behind a role's handle, if the handle is open. */
  current(role: DeviceRole): AudioDeviceInfo | undefined {
    return this.slots.get(role)?.device;
  }

  /**
   * Remembers `name` as the preferred device of `role` (undefined: follow the default) and, if
   * the role is open, moves it there now.
   */
  setPreferred(role: DeviceRole, name: string | undefined): void {
    const next: Record<string, string> = { ...this.prefs } as Record<string, string>;
    if (name === undefined) delete next[role];
    else next[role] = name;
    this.prefs = next;
    this.reconcile('user');
  }

  openInput(): ManagedInput {
    const slot = this.newSlot('input');
    slot.input = new ManagedInput(() => this.closeSlot('input'));
    this.switchTo(slot, 'opened');
    return slot.input;
  }

  openOutput(): ManagedOutput {
    return this.openPlayback('output');
  }

  /** The ringer: a separate output, so an incoming call can ring on loudspeakers while a call plays on a headset. */
  openRinger(): ManagedOutput {
    return this.openPlayback('ringer');
  }

  /** Stops polling and closes every stream; idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.slots.keys()].map((r) => this.closeSlot(r)));
  }

  private openPlayback(role: 'output' | 'ringer'): ManagedOutput {
    const slot = this.newSlot(role);
    slot.output = new ManagedOutput(() => this.closeSlot(role));
    this.switchTo(slot, 'opened');
    return slot.output;
  }

  private newSlot(role: DeviceRole): Slot {
    if (this.disposed) throw new InvalidStateError('device manager disposed');
    if (this.slots.has(role)) throw new InvalidStateError(`${role} already open`);
    const slot: Slot = { role, device: undefined, stream: undefined, offStream: [] };
    this.slots.set(role, slot);
    return slot;
  }

  private async closeSlot(role: DeviceRole): Promise<void> {
    const slot = this.slots.get(role);
    if (!slot) return;
    this.slots.delete(role);
    const stream = this.detach(slot);
    if (slot.output) slot.output.target = undefined;
    await stream?.close().catch(() => {});
  }

  private poll(): void {
    this.timer = undefined;
    if (this.disposed) return;
    const before = this.list;
    const now = this.enumerate();
    if (now && before) {
      const ids = new Set(now.map((d) => d.id));
      const old = new Set(before.map((d) => d.id));
      const added = now.filter((d) => !old.has(d.id));
      const removed = before.filter((d) => !ids.has(d.id));
      if (added.length > 0 || removed.length > 0) {
        this.log.info('devices changed', { added: added.map((d) => d.id), removed: removed.map((d) => d.id) });
        this.safeEmit('devicesChanged', now, added, removed);
      }
    }
    if (now) this.reconcile('returned');
    this.timer = this.clock.setTimeout(() => this.poll(), this.pollMs);
  }

  private enumerate(): AudioDeviceInfo[] | undefined {
    try {
      const list = this.backend.listDevices();
      const now = this.clock.now();
      for (const [id, until] of [...this.failed]) if (until <= now || !list.some((d) => d.id === id)) this.failed.delete(id);
      this.list = list;
      return list;
    } catch (e) {
      this.safeEmit('error', 'enumeration', asDeviceError(e, 'device enumeration failed'));
      return undefined;
    }
  }

  /** Puts every open role on the device it should be on now. */
  private reconcile(reason: SwitchReason): void {
    for (const role of [...this.slots.keys()]) this.reconcileRole(role, reason);
  }

  private reconcileRole(role: DeviceRole, reason: SwitchReason): void {
    const slot = this.slots.get(role);
    if (!slot) return;
    const list = this.list ?? [];
    const dev = slot.device;
    if (dev && dev.id !== NULL_DEVICE.id && !list.some((d) => d.id === dev.id)) {
      this.lose(slot);
      return;
    }
    const want = this.choose(role);
    const wantId = want?.id ?? NULL_DEVICE.id;
    if (wantId !== dev?.id) this.switchTo(slot, dev?.id === NULL_DEVICE.id && reason === 'returned' ? 'returned' : reason);
  }

  private lose(slot: Slot): void {
    const dev = slot.device;
    if (dev) {
      this.markFailed(dev.id);
      this.log.warn('device lost', { role: slot.role, device: dev.id });
      this.safeEmit('deviceLost', slot.role, dev);
    }
    this.switchTo(slot, 'lost');
  }

  private markFailed(id: string): void {
    this.failed.set(id, this.clock.now() + FAILED_HOLD_MS);
  }

  /** The device a role should use: preferred by name, else the default, else the first. */
  private choose(role: DeviceRole): AudioDeviceInfo | undefined {
    const input = role === 'input';
    const usable = (this.list ?? []).filter((d) => (input ? d.maxInputChannels > 0 : d.maxOutputChannels > 0) && !this.failed.has(d.id));
    const pref = role === 'ringer' ? (this.prefs.ringer ?? this.prefs.output) : this.prefs[role];
    return (
      (pref !== undefined ? usable.find((d) => d.name === pref) : undefined) ??
      usable.find((d) => (input ? d.isDefaultInput : d.isDefaultOutput)) ??
      usable[0]
    );
  }

  /** Opens the chosen device (trying the next on failure, the null device last), then drops the old stream. */
  private switchTo(slot: Slot, reason: SwitchReason): void {
    if (!this.list) this.enumerate();
    const from = slot.device;
    for (;;) {
      const dev = this.choose(slot.role) ?? NULL_DEVICE;
      const backend = dev === NULL_DEVICE ? this.fallback : this.backend;
      let stream: AudioInputStream | AudioOutputStream;
      try {
        stream = slot.role === 'input' ? backend.openInput(dev.id, this.options.stream) : backend.openOutput(dev.id, this.options.stream);
      } catch (e) {
        if (dev === NULL_DEVICE) throw e; // the null device cannot fail; if it does, that is a bug
        this.markFailed(dev.id);
        this.safeEmit('error', slot.role, asDeviceError(e, `cannot open ${dev.name}`));
        continue;
      }
      const old = this.detach(slot);
      this.attach(slot, dev, stream);
      old?.close().catch(() => {});
      if (from?.id !== dev.id || reason === 'opened') {
        this.log.info('device switched', { role: slot.role, from: from?.id ?? null, to: dev.id, reason });
        this.safeEmit('deviceSwitched', slot.role, from, dev, reason);
      }
      return;
    }
  }

  private attach(slot: Slot, dev: AudioDeviceInfo, stream: AudioInputStream | AudioOutputStream): void {
    slot.device = dev;
    slot.stream = stream;
    const offs: (() => void)[] = [];
    const input = slot.input;
    if (input) offs.push((stream as AudioInputStream).on('frame', (f) => input.deliver(f)));
    if (slot.output) slot.output.target = stream as AudioOutputStream;
    offs.push(
      (stream as AudioInputStream).on('error', (err) => {
        if (slot.stream !== stream || this.slots.get(slot.role) !== slot) return;
        this.safeEmit('error', slot.role, err);
        this.lose(slot);
      }),
    );
    slot.offStream = offs;
  }

  private detach(slot: Slot): AudioInputStream | AudioOutputStream | undefined {
    for (const off of slot.offStream) off();
    slot.offStream = [];
    const s = slot.stream;
    slot.stream = undefined;
    return s;
  }
}

function asDeviceError(e: unknown, message: string): MediaError {
  return e instanceof MediaError ? e : new MediaError('media.device', `${message}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
