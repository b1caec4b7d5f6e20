import { describe, expect, it } from 'vitest';
import { FakeAudioBackend, fakeDevice } from '../../test/support/fake-audio';
import { FakeClock } from '../../test/support/fake-clock';
import { sessionConfig } from '../../test/integration/media-fixture';
import { InvalidStateError, MediaError } from '../base/errors';
import { MediaEngine } from '../media/engine';
import { MemoryNetwork } from '../media/rtp/memory-datagram';
import { NullAudioBackend } from './null-device';
import { ManagedAudioBackend } from './managed-backend';

const builtin = fakeDevice('Built-in Audio', { isDefaultInput: true, isDefaultOutput: true });
const headset = fakeDevice('USB Headset');

const config = sessionConfig({ remote: { address: '127.0.0.1', port: 9 }, telephoneEvent: false });

function setup() {
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock });
  const fake = new FakeAudioBackend(clock);
  fake.setDevices([builtin, headset]);
  const devices = new ManagedAudioBackend(fake, { clock });
  const engine = new MediaEngine({ clock, sampleRate: 16000, portMin: 31000, portMax: 31098, openSocket: async (_a, p) => net.open(p), devices, inputDevice: headset.id });
  const changes: string[] = [];
  const errors: string[] = [];
  engine.on('deviceChanged', (role, device, reason) => changes.push(`${role} ${device} ${reason}`));
  engine.on('deviceError', (m) => errors.push(m));
  return { clock, fake, engine, changes, errors };
}

describe('ManagedAudioBackend under the media engine (hot-plug during a call)', () => {
  it('moves the call to the default microphone when the headset vanishes, and back when it returns', async () => {
    const { clock, fake, engine, changes, errors } = setup();
    const ep = await engine.openEndpoint({ rtcpPort: false });
    await engine.startSession(ep.id, config);
    clock.advance(200);
    expect(changes).toEqual(['input USB Headset opened', 'output Built-in Audio opened']);
    expect([...fake.inputs.keys()]).toEqual([headset.id]);

    // Unplugged: its stream fails and it leaves the list. The engine keeps its one input stream.
    fake.setDevices([builtin]);
    fake.fail(headset.id);
    clock.advance(200);
    expect(changes.slice(2)).toEqual(['input Built-in Audio lost']);
    expect(errors).toEqual(['input: fake:USB Headset failed', 'input device lost: USB Headset']);
    expect([...fake.inputs.keys()]).toEqual([builtin.id]);
    const ticks = (await engine.stats()).pacing.deviceTicks;
    clock.advance(3000); // unplugged across a poll of the device list
    const s = await engine.stats();
    expect(s.pacing.clock).toBe('device');
    expect(s.pacing.deviceTicks - ticks).toBeGreaterThanOrEqual(149);

    // Plugged back in: the next poll (every 2 s) takes the preferred device back.
    fake.setDevices([builtin, headset]);
    clock.advance(2100);
    expect(changes.slice(3)).toEqual(['input USB Headset returned']);
    expect([...fake.inputs.keys()]).toEqual([headset.id]);
    await engine.close();
    clock.advance(5000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('switches the speaker during a call with setDevice, and refuses an unknown device', async () => {
    const { clock, fake, engine, changes } = setup();
    const ep = await engine.openEndpoint({ rtcpPort: false });
    await engine.startSession(ep.id, config);
    clock.advance(100);
    await engine.setDevice('output', 'USB Headset');
    clock.advance(200);
    expect(changes).toContain('output USB Headset user');
    expect(fake.played.get(headset.id)!.length).toBeGreaterThanOrEqual(8);
    await expect(engine.setDevice('input', 'No Such Mic')).rejects.toBeInstanceOf(MediaError);
    await engine.setDevice('output', null);
    clock.advance(100);
    expect(changes.at(-1)).toBe('output Built-in Audio user');
    await engine.close();
  });

  it('is refused by an engine whose devices cannot switch (files, null)', async () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork({ clock });
    const engine = new MediaEngine({ clock, portMin: 32000, portMax: 32098, openSocket: async (_a, p) => net.open(p), devices: new NullAudioBackend(clock) });
    await expect(engine.setDevice('input', 'Anything')).rejects.toBeInstanceOf(InvalidStateError);
    await engine.close();
  });
});
