import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
import { FakeAudioBackend, fakeDevice } from '../../test/support/fake-audio';
import { DeviceManager, type DeviceManagerEvents } from './device-manager';

const builtin = fakeDevice('Built-in Audio', { isDefaultInput: true, isDefaultOutput: true });
const headset = fakeDevice('USB Headset');
const speakers = fakeDevice('HDMI Speakers', { maxInputChannels: 0 });

function setup(devices = [builtin, headset, speakers], preferences = {}) {
  const clock = new FakeClock();
  const backend = new FakeAudioBackend(clock);
  backend.setDevices(devices);
  const manager = new DeviceManager({ backend, clock, stream: { sampleRate: 8000 }, preferences });
  const events: { [K in keyof DeviceManagerEvents]?: DeviceManagerEvents[K][] } = {};
  for (const name of ['devicesChanged', 'deviceLost', 'deviceSwitched', 'error'] as const) {
    manager.on(name, (...args: unknown[]) => {
      ((events[name] ??= []) as unknown[][]).push(args);
    });
  }
  return { clock, backend, manager, events };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('DeviceManager', () => {
  it('opens the default devices when nothing is preferred and delivers their frames', async () => {
    const { clock, backend, manager } = setup();
    cleanup = () => manager.dispose();
    manager.start();
    const input = manager.openInput();
    const got: number[] = [];
    input.on('frame', (f) => got.push(f[0]!));
    clock.advance(100);
    expect(manager.current('input')?.name).toBe('Built-in Audio');
    expect(got).toEqual([1, 1, 1, 1, 1].map(() => backend.markerOf('Built-in Audio')));
  });

  it('polls the device list every 2 s and reports added and removed devices', async () => {
    const { clock, backend, manager, events } = setup([builtin]);
    cleanup = () => manager.dispose();
    manager.start();
    expect(backend.enumerations).toBe(1);
    clock.advance(2000);
    expect(backend.enumerations).toBe(2);
    backend.setDevices([builtin, headset]);
    clock.advance(1999);
    expect(events.devicesChanged).toBeUndefined();
    clock.advance(1);
    expect(events.devicesChanged).toHaveLength(1);
    expect(events.devicesChanged![0]![1].map((d) => d.name)).toEqual(['USB Headset']);
    backend.setDevices([builtin]);
    clock.advance(2000);
    expect(events.devicesChanged![1]![2].map((d) => d.name)).toEqual(['USB Headset']);
  });

  it('moves capture to the default device when the headset in use is unplugged, and back when it returns', async () => {
    const { clock, backend, manager, events } = setup([builtin, headset], { input: 'USB Headset' });
    cleanup = () => manager.dispose();
    manager.start();
    const input = manager.openInput();
    const got: number[] = [];
    input.on('frame', (f) => got.push(f[0]!));
    clock.advance(1000);
    const mHeadset = backend.markerOf('USB Headset');
    const mBuiltin = backend.markerOf('Built-in Audio');
    expect(got.every((m) => m === mHeadset)).toBe(true);

    backend.setDevices([builtin]);
    clock.advance(2000);
    expect(events.deviceLost?.map(([role, d]) => [role, d.name])).toEqual([['input', 'USB Headset']]);
    expect(manager.current('input')?.name).toBe('Built-in Audio');
    const switched = events.deviceSwitched!.at(-1)!;
    expect([switched[0], switched[1]?.name, switched[2].name, switched[3]]).toEqual(['input', 'USB Headset', 'Built-in Audio', 'lost']);
    got.length = 0;
    clock.advance(200);
    expect(got.length).toBe(10);
    expect(got.every((m) => m === mBuiltin)).toBe(true);

    // Re-plugged, possibly with another PortAudio index: it is taken back by name.
    backend.setDevices([builtin, { ...headset, id: 'fake:USB Headset (replugged)' }]);
    clock.advance(2000);
    expect(manager.current('input')?.name).toBe('USB Headset');
    expect(events.deviceSwitched!.at(-1)![3]).toBe('returned');
    got.length = 0;
    clock.advance(100);
    expect(got.every((m) => m === mHeadset)).toBe(true);
    expect(backend.inputs.size).toBe(1); // the built-in stream was closed
    expect(manager.preferences()).toEqual({ input: 'USB Headset' });
  });

  it('keeps capture running across two live switches, losing at most one frame per switch', async () => {
    const { clock, backend, manager } = setup();
    cleanup = () => manager.dispose();
    manager.start();
    const input = manager.openInput();
    let frames = 0;
    input.on('frame', () => frames++);
    clock.advance(500);
    manager.setPreferred('input', 'USB Headset');
    clock.advance(500);
    backend.setDevices([builtin, speakers]);
    clock.advance(2000);
    expect(frames).toBeGreaterThanOrEqual(148);
    expect(frames).toBeLessThanOrEqual(150);
  });

  it('switches playback live during a call and the ringer independently while ringing', async () => {
    const { clock, backend, manager, events } = setup();
    cleanup = () => manager.dispose();
    manager.start();
    const speaker = manager.openOutput();
    const ringer = manager.openRinger();
    expect(manager.current('ringer')?.name).toBe('Built-in Audio');
    manager.setPreferred('ringer', 'HDMI Speakers');
    expect(manager.current('ringer')?.name).toBe('HDMI Speakers');
    expect(manager.current('output')?.name).toBe('Built-in Audio');
    const frame = new Int16Array(160);
    for (let i = 0; i < 10; i++) {
      frame.fill(7);
      speaker.writeFrame(frame);
      frame.fill(9);
      ringer.writeFrame(frame);
      clock.advance(20);
    }
    manager.setPreferred('output', 'USB Headset');
    for (let i = 0; i < 10; i++) {
      frame.fill(7);
      speaker.writeFrame(frame);
      clock.advance(20);
    }
    expect(backend.played.get(speakers.id)!.filter((v) => v === 9)).toHaveLength(10);
    expect(backend.played.get(builtin.id)!.filter((v) => v === 7)).toHaveLength(10);
    expect(backend.played.get(headset.id)!.filter((v) => v === 7)).toHaveLength(10);
    expect(events.deviceSwitched!.filter(([, , , r]) => r === 'user').map(([role]) => role)).toEqual(['ringer', 'output']);
  });

  it('the ringer follows the output preference until it has its own', async () => {
    const { manager } = setup();
    cleanup = () => manager.dispose();
    manager.start();
    manager.openRinger();
    manager.setPreferred('output', 'USB Headset');
    expect(manager.current('ringer')?.name).toBe('USB Headset');
  });

  it('moves to another device when the stream in use fails, without waiting for a poll', async () => {
    const { clock, backend, manager, events } = setup();
    cleanup = () => manager.dispose();
    manager.start();
    manager.openOutput();
    clock.advance(100);
    backend.fail(builtin.id);
    expect(events.deviceLost?.[0]?.[1].name).toBe('Built-in Audio');
    expect(events.error?.[0]?.[1].code).toBe('media.device');
    expect(manager.current('output')?.name).toBe('USB Headset');
    // The failed device is still listed but not chosen again at the next polls (10 s hold).
    clock.advance(4000);
    expect(manager.current('output')?.name).toBe('USB Headset');
    clock.advance(8000);
    expect(manager.current('output')?.name).toBe('Built-in Audio');
  });

  it('falls back to the null device when every device is gone, and recovers when one appears', async () => {
    const { clock, backend, manager, events } = setup([builtin]);
    cleanup = () => manager.dispose();
    manager.start();
    const input = manager.openInput();
    let frames = 0;
    input.on('frame', () => frames++);
    backend.setDevices([]);
    clock.advance(2000);
    expect(manager.current('input')?.id).toBe('null:Null');
    frames = 0;
    clock.advance(1000);
    expect(frames).toBe(50);
    backend.setDevices([headset]);
    clock.advance(2000);
    expect(manager.current('input')?.name).toBe('USB Headset');
    expect(events.deviceSwitched!.at(-1)![3]).toBe('returned');
  });

  it('skips a device that refuses to open and reports it', async () => {
    const { backend, manager, events } = setup();
    cleanup = () => manager.dispose();
    backend.refuse.add(builtin.id);
    manager.start();
    manager.openInput();
    expect(manager.current('input')?.name).toBe('USB Headset');
    expect(events.error?.map(([role, e]) => [role, e.code])).toEqual([['input', 'media.device']]);
  });

  it('reports an enumeration failure and keeps the last list', async () => {
    const { clock, backend, manager, events } = setup();
    cleanup = () => manager.dispose();
    manager.start();
    manager.openInput();
    backend.listDevices = () => {
      throw new Error('PortAudio exploded');
    };
    clock.advance(2000);
    expect(events.error?.[0]?.[0]).toBe('enumeration');
    expect(manager.current('input')?.name).toBe('Built-in Audio');
  });

  it('refuses a second handle for the same role', async () => {
    const { manager } = setup();
    cleanup = () => manager.dispose();
    manager.openInput();
    expect(() => manager.openInput()).toThrow(/already open/);
  });

  it('dispose stops polling and closes every stream', async () => {
    const { clock, backend, manager } = setup();
    manager.start();
    manager.openInput();
    manager.openOutput();
    const ringer = manager.openRinger();
    await ringer.close();
    await manager.dispose();
    await manager.dispose();
    expect(backend.inputs.size + backend.outputs.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
