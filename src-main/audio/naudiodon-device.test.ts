import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type * as Naudiodon from 'naudiodon';
import { FakeClock } from '../../test/support/fake-clock';
import { NaudiodonBackend } from './naudiodon-device';

/** A stand-in for the native module: the same JS surface over plain Node streams. */
function fakeModule(devices: Partial<Naudiodon.DeviceInfo>[], defaults: { in: number; out: number }) {
  const opened: { opts: unknown; stream: PassThrough | Writable; written: Buffer[]; writeCbs: (() => void)[] }[] = [];
  const mod = {
    getDevices: () =>
      devices.map((d, i) => ({ id: i, name: `dev${i}`, hostAPIName: 'ALSA', maxInputChannels: 2, maxOutputChannels: 2, defaultSampleRate: 48000, ...d })),
    getHostAPIs: () => ({ defaultHostAPI: 0, HostAPIs: [{ id: 0, name: 'ALSA', type: 'ALSA', deviceCount: devices.length, defaultInput: defaults.in, defaultOutput: defaults.out }] }),
    AudioIO: (opts: Record<string, unknown>) => {
      const written: Buffer[] = [];
      const writeCbs: (() => void)[] = [];
      let stream: PassThrough | Writable;
      if ('inOptions' in opts) stream = new PassThrough();
      else {
        stream = new Writable({
          highWaterMark: 1,
          write(chunk: Buffer, _enc, cb) {
            written.push(Buffer.from(chunk));
            writeCbs.push(() => cb());
          },
        });
        stream.on('finish', () => stream.emit('finished'));
      }
      Object.assign(stream, { start: () => {}, quit: (cb?: () => void) => cb?.(), abort: (cb?: () => void) => cb?.() });
      opened.push({ opts, stream, written, writeCbs });
      return stream;
    },
  };
  return { mod: mod as unknown as typeof Naudiodon, opened };
}

describe('NaudiodonBackend (over a stand-in module)', () => {
  it('derives stable ids from host API and name, numbering duplicates, and marks the defaults', () => {
    const { mod } = fakeModule([{ name: 'pulse' }, { name: 'hw:0', maxInputChannels: 0 }, { name: 'hw:0' }], { in: 0, out: 1 });
    const list = new NaudiodonBackend({ clock: new FakeClock(), module: mod }).listDevices();
    expect(list.map((d) => d.id)).toEqual(['ALSA:pulse', 'ALSA:hw:0', 'ALSA:hw:0#2']);
    expect(list.map((d) => [d.isDefaultInput, d.isDefaultOutput])).toEqual([
      [true, false],
      [false, true],
      [false, false],
    ]);
  });

  it('opens input as mono s16 at the engine rate and re-chunks odd reads into exact 20 ms frames', () => {
    const { mod, opened } = fakeModule([{ name: 'a' }, { name: 'pulse' }], { in: 0, out: 0 });
    const input = new NaudiodonBackend({ clock: new FakeClock(), module: mod }).openInput('ALSA:pulse', { sampleRate: 8000 });
    expect(opened[0]!.opts).toMatchObject({ inOptions: { deviceId: 1, sampleRate: 8000, channelCount: 1, sampleFormat: 16, highwaterMark: 320 } });
    const frames: number[][] = [];
    input.on('frame', (f) => frames.push([f.length, f[0]!, f[159]!]));
    const pcm = Buffer.alloc(2 * 400);
    for (let i = 0; i < 400; i++) pcm.writeInt16LE(i, 2 * i);
    const s = opened[0]!.stream as PassThrough;
    s.write(pcm.subarray(0, 301)); // an odd byte count splits a sample
    s.write(pcm.subarray(301, 700));
    s.write(pcm.subarray(700));
    expect(frames).toEqual([
      [160, 0, 159],
      [160, 160, 319],
    ]);
  });

  it('writes each output frame as its own 20 ms chunk and drops frames beyond the queue', async () => {
    const { mod, opened } = fakeModule([{ name: 'out' }], { in: 0, out: 0 });
    const out = new NaudiodonBackend({ clock: new FakeClock(), module: mod, outputQueueFrames: 3 }).openOutput('default', { sampleRate: 8000 });
    const frame = new Int16Array(160);
    for (let i = 1; i <= 5; i++) {
      frame.fill(i);
      out.writeFrame(frame);
    }
    await new Promise((r) => setImmediate(r));
    expect(out.queuedFrames).toBe(3);
    const o = opened[0]!;
    while (o.writeCbs.length > 0) {
      o.writeCbs.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    expect(o.written.map((b) => [b.length, b.readInt16LE(0)])).toEqual([
      [320, 1],
      [320, 2],
      [320, 3],
    ]);
    expect(out.queuedFrames).toBe(0);
  });

  it('trims a backlog that never drains down to 2 frames in flight, dropping quiet frames first', async () => {
    const { mod, opened } = fakeModule([{ name: 'out' }], { in: 0, out: 0 });
    const out = new NaudiodonBackend({ clock: new FakeClock(), module: mod, outputQueueFrames: 10 }).openOutput('default', { sampleRate: 8000 }) as ReturnType<NaudiodonBackend['openOutput']> & { trimmed: number };
    const o = opened[0]!;
    const frame = new Int16Array(160);
    // Frame k carries k; every 5th frame is quiet (value 0 marks it), the rest loud speech.
    const write = (k: number) => {
      frame.fill(k % 5 === 0 ? 0 : 3000 + k);
      out.writeFrame(frame);
    };
    let k = 1;
    for (; k <= 8; k++) write(k); // the start-up burst: 8 frames queued
    await new Promise((r) => setImmediate(r));
    const inFlight: number[] = [];
    // Steady state: the device takes one frame per frame written, so the backlog never drains.
    for (; k <= 300; k++) {
      o.writeCbs.shift()?.();
      await new Promise((r) => setImmediate(r));
      write(k);
      await new Promise((r) => setImmediate(r));
      inFlight.push(out.queuedFrames);
    }
    expect(inFlight.slice(0, 40).every((n) => n >= 7)).toBe(true);
    expect(Math.max(...inFlight.slice(-50))).toBeLessThanOrEqual(3);
    expect(out.trimmed).toBe(5); // 7 before each write (8 after it), 2 kept
    // Only quiet frames went: every loud frame written reached the device.
    const played = new Set(o.written.map((b) => b.readInt16LE(0)));
    for (let j = 1; j < k - 10; j++) if (j % 5 !== 0) expect(played.has(3000 + j), `frame ${j}`).toBe(true);
  });

  it('maps open failures and unknown ids to media.device', () => {
    const { mod } = fakeModule([{ name: 'mic', maxOutputChannels: 0 }], { in: 0, out: -1 >>> 0 });
    const b = new NaudiodonBackend({ clock: new FakeClock(), module: mod });
    expect(() => b.openInput('ALSA:gone', { sampleRate: 8000 })).toThrow(expect.objectContaining({ code: 'media.device' }));
    expect(() => b.openOutput('ALSA:mic', { sampleRate: 8000 })).toThrow(/no output channels/);
    expect(() => b.openOutput('default', { sampleRate: 8000 })).toThrow(/no default output/);
    const broken = { ...mod, AudioIO: () => { throw new Error('Invalid sample rate'); } } as unknown as typeof Naudiodon;
    expect(() => new NaudiodonBackend({ clock: new FakeClock(), module: broken }).openInput('default', { sampleRate: 8000 })).toThrow(/Invalid sample rate/);
  });

  it('reports an input that stops delivering (unplugged while open) as a device error, after a start-up grace', () => {
    const { mod, opened } = fakeModule([{ name: 'usb' }], { in: 0, out: 0 });
    const clock = new FakeClock();
    const input = new NaudiodonBackend({ clock, module: mod, stallMs: 1000 }).openInput('default', { sampleRate: 8000 });
    const errors: string[] = [];
    input.on('error', (e) => errors.push(e.code));
    clock.advance(4500); // nothing yet, but PortAudio may take seconds to start
    expect(errors).toEqual([]);
    (opened[0]!.stream as PassThrough).write(Buffer.alloc(320));
    clock.advance(999);
    expect(errors).toEqual([]);
    clock.advance(600);
    expect(errors).toEqual(['media.device']);
    expect(input.closed).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives a new output its start-up grace even after the first writes completed, then reports a stall', async () => {
    const { mod, opened } = fakeModule([{ name: 'out' }], { in: 0, out: 0 });
    const clock = new FakeClock();
    const out = new NaudiodonBackend({ clock, module: mod, stallMs: 1000 }).openOutput('default', { sampleRate: 8000 });
    const errors: string[] = [];
    out.on('error', (e) => errors.push(e.code));
    const frame = new Int16Array(160);
    out.writeFrame(frame);
    await new Promise((r) => setImmediate(r));
    opened[0]!.writeCbs.shift()!(); // the first chunk is taken at once…
    await new Promise((r) => setImmediate(r));
    out.writeFrame(frame); // …the next waits while the sound server starts the stream
    clock.advance(3500);
    expect(errors).toEqual([]);
    clock.advance(1600); // past the 4 s grace and 1 s of stall
    expect(errors).toEqual(['media.device']);
    expect(clock.pendingTimers()).toBe(0);
  });
});
