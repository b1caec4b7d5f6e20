/**
 * What a call costs the media engine, in real time: a `MediaEngine` in this process calls a far
 * end in another process (`media-peer.ts`, another MediaEngine) over real UDP on 127.0.0.1 with
 * SRTP (AES_CM_128_HMAC_SHA1_80), both sending a looping speech-like WAV from a clock-paced WAV
 * microphone. This process's CPU time (`process.cpuUsage`, user + system) over the measured
 * seconds, divided by wall time, is the share of one core Parley's end of the calls costs,
 * event-loop wake-ups included. Beside it: the floors of this machine (an idle process, one
 * bare 20 ms timer, 50 UDP packets a second from another process: what any softphone's end pays
 * before doing any media work), the media work alone in a tight loop, and a 10-leg conference
 * mixer's cost per 20 ms tick.
 *
 * Goals (issue 4): one PCMU+SRTP call < 1 % of a core, ten < 10 %.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src-main/base/clock';
import { WavAudioBackend } from '../src-main/audio/wav-device';
import { MediaEngine } from '../src-main/media/engine';
import type { MediaCodecConfig, MediaSessionConfig } from '../src-main/media/media-session-config';
import { MediaSession } from '../src-main/media/media-session';
import { createDefaultCodecRegistry } from '../src-main/media/codecs/registry';
import { Resampler } from '../src-main/media/resample';
import { ConferenceMixer } from '../src-main/media/mixer/conference-mixer';
import { FrameQueuePort } from '../src-main/media/mixer/frame-queue-port';
import { MemoryNetwork } from '../src-main/media/rtp/memory-datagram';
import { generateKeyMaterial } from '../src-main/media/srtp/sdes-keys';
import { FakeClock } from '../test/support/fake-clock';
import { writeSpeechWav } from '../test/integration/media-fixture';
import type { PeerReply, PeerRequest } from './media-peer';
import { fmt, measureRate, table } from './measure';

export const title = 'Media engine: CPU per call (real time, SRTP over UDP) and mixer cost per tick';

const PCMU: MediaCodecConfig = { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 };
const OPUS: MediaCodecConfig = { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2 };
/** Measured seconds per row (five windows, the median kept). */
const SECONDS = Number(process.env.MEDIA_BENCH_SECONDS ?? 10);


const key = () => {
  const m = generateKeyMaterial('AES_CM_128_HMAC_SHA1_80');
  return Buffer.concat([m.key, m.salt]).toString('base64');
};

function config(codec: MediaCodecConfig, port: number, localKey: string, remoteKey: string): MediaSessionConfig {
  return {
    remote: { address: '127.0.0.1', port },
    rtcp: { mux: true },
    send: codec,
    receive: [codec],
    telephoneEvent: { sendPayloadType: 101, receivePayloadType: 101, clockRate: codec.clockRate },
    ptime: 20,
    direction: { sending: true, receiving: true },
    srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey, remoteKey },
  };
}

/** What Parley's end of `calls` calls cost: % of one core, and ticks that missed their deadline. */
interface Cost {
  readonly total: number;
  readonly user: number;
  readonly system: number;
  readonly missed: number;
}

type CpuShare = { total: number; user: number; system: number };

/** CPU of this process over `ms` of wall time, as % of one core. */
async function cpuWindow(ms: number): Promise<CpuShare> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const pct = (us: number) => ((us / 1000) / wall) * 100;
  return { total: pct(cpu.user + cpu.system), user: pct(cpu.user), system: pct(cpu.system) };
}

/**
 * The median (by total) of five consecutive windows that together last `ms`: a neighbour's
 * burst on this shared machine spoils one window, not the figure.
 */
async function cpuOver(ms: number): Promise<CpuShare> {
  const windows: CpuShare[] = [];
  for (let i = 0; i < 5; i++) windows.push(await cpuWindow(ms / 5));
  windows.sort((a, b) => a.total - b.total);
  return windows[2]!;
}

/** The far end in its own process (media-peer.ts). */
class Peer {
  private readonly child: ChildProcess;
  private constructor(wav: string) {
    const file = join(dirname(fileURLToPath(import.meta.url)), 'media-peer.ts');
    this.child = fork(file, [wav, '8000'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }
  static start(wav: string): Peer {
    return new Peer(wav);
  }
  ask(m: PeerRequest): Promise<PeerReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`media peer exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (r: PeerReply) => {
        this.child.off('exit', onExit);
        resolve(r);
      });
      this.child.send(m);
    });
  }
  tell(m: PeerRequest): void {
    this.child.send(m);
  }
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' } satisfies PeerRequest);
    await exited;
  }
}

async function callCost(codec: MediaCodecConfig, calls: number, sampleRate: number, wav: string, seconds = SECONDS): Promise<Cost> {
  const peer = Peer.start(wav);
  const a = new MediaEngine({ clock: systemClock, sampleRate, portMin: 50000, portMax: 59998, statsIntervalMs: 1000, devices: new WavAudioBackend({ clock: systemClock, inputPath: wav, loop: true }) });
  try {
    const opened = await peer.ask({ type: 'open', count: calls });
    if (opened.type !== 'opened') throw new Error('media peer: no ports');
    const ours: { id: string; port: number; key: string; theirKey: string }[] = [];
    for (let i = 0; i < calls; i++) {
      const ep = await a.openEndpoint({ rtcpPort: false });
      ours.push({ id: ep.id, port: ep.port, key: key(), theirKey: key() });
    }
    await peer.ask({ type: 'start', configs: ours.map((o) => config(codec, o.port, o.theirKey, o.key)) });
    for (let i = 0; i < calls; i++) await a.startSession(ours[i]!.id, config(codec, opened.ports[i]!, ours[i]!.key, ours[i]!.theirKey));
    await new Promise((r) => setTimeout(r, 1000)); // warm-up: JIT, jitter buffers settle
    const missed0 = a.tickerStats().missed;
    const cpu = await cpuOver(seconds * 1000);
    return { ...cpu, missed: a.tickerStats().missed - missed0 };
  } finally {
    await a.close();
    await peer.close();
  }
}

/**
 * CPU of this process while another process sends 50 UDP packets a second to each of `sockets`
 * sockets here (no work done): what receiving the far ends' RTP costs any process on this machine.
 */
async function packetFloor(sockets: number): Promise<CpuShare> {
  const socks = await Promise.all(
    Array.from({ length: sockets }, async () => {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
      s.on('message', () => {});
      return s;
    }),
  );
  const ports = JSON.stringify(socks.map((s) => s.address().port));
  const code = `const s = require('node:dgram').createSocket('udp4'); const b = Buffer.alloc(172);
    setInterval(() => { for (const p of ${ports}) s.send(b, p, '127.0.0.1'); }, 20); process.on('disconnect', () => process.exit(0));`;
  const sender = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    return await cpuOver(SECONDS * 1000);
  } finally {
    sender.kill();
    for (const s of socks) s.close();
  }
}

/**
 * The media work alone, without event-loop wake-ups, as the engine does it for `calls` calls:
 * each session at its codec's PCM rate (two sessions on an in-memory network in virtual time,
 * driven in a tight loop, halved for one end), plus the one device-port resampler pair between
 * the device rate and the mix rate. Returns % of one core for Parley's end.
 */
function mediaWorkOnly(codec: MediaCodecConfig, deviceRate: number, calls: number): number {
  const pcmRate = createDefaultCodecRegistry().find(codec.name, codec.clockRate)!.sampleRate;
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock });
  const sa = net.open(1000);
  const sb = net.open(2000);
  const [ka, kb] = [key(), key()];
  const a = new MediaSession({ clock, socket: sa, config: config(codec, 2000, ka, kb), sampleRate: pcmRate, statsIntervalMs: 1000 });
  const b = new MediaSession({ clock, socket: sb, config: config(codec, 1000, kb, ka), sampleRate: pcmRate, statsIntervalMs: 1000 });
  const mic = new Int16Array(pcmRate / 50);
  const out = new Int16Array(pcmRate / 50);
  let phase = 0;
  const r = measureRate(() => {
    for (let i = 0; i < mic.length; i++) mic[i] = Math.round(6000 * Math.sin((phase += 0.31)) * Math.sin(phase / 900));
    a.writeFrame(mic);
    b.writeFrame(mic);
    clock.advance(20);
    a.readFrame(out);
    b.readFrame(out);
    return 1;
  }, 1500);
  a.dispose();
  b.dispose();
  sa.close();
  sb.close();
  // Each iteration is 20 ms of media for two ends.
  const session = ((1e6 / r.perSecond / 2) / 20_000) * 100;
  let port = 0;
  if (deviceRate !== pcmRate) {
    const down = new Resampler(deviceRate, pcmRate);
    const up = new Resampler(pcmRate, deviceRate);
    const dev = new Int16Array(deviceRate / 50).map((_, i) => Math.round(5000 * Math.sin(i / 7)));
    const mix = new Int16Array(pcmRate / 50);
    const back = new Int16Array(deviceRate / 50);
    const rr = measureRate(() => {
      down.processFrame(dev, mix);
      up.processFrame(mix, back);
      return 1;
    }, 800);
    port = ((1e6 / rr.perSecond) / 20_000) * 100;
  }
  return session * calls + port;
}

function mixerTick(legs: number, legRate: number, mixRate: number): { usPerTick: number; pct: number } {
  const mixer = new ConferenceMixer({ sampleRate: mixRate });
  const frame = new Int16Array(legRate / 50);
  for (let i = 0; i < frame.length; i++) frame[i] = Math.round(8000 * Math.sin(i / 5));
  const ports: FrameQueuePort[] = [];
  for (let i = 0; i < legs; i++) {
    const p = new FrameQueuePort(legRate);
    ports.push(p);
    mixer.add(`leg${i}`, p);
  }
  const local = new FrameQueuePort(48000);
  mixer.add('local', local);
  const localFrame = new Int16Array(960).fill(1000);
  const r = measureRate(() => {
    for (const p of ports) p.push(frame);
    local.push(localFrame);
    mixer.tick();
    return 1;
  }, 1500);
  const us = 1e6 / r.perSecond;
  return { usPerTick: us, pct: (us / 20_000) * 100 };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-media-bench-'));
  try {
    const wav8 = writeSpeechWav(join(dir, 'speech8k.wav'), 4, 8000, 7);
    const rows: string[][] = [];
    const f = (n: number) => `${n.toFixed(2)} %`;
    const idle = await cpuOver(SECONDS * 1000);
    const timer = setInterval(() => {}, 20);
    const tick = await cpuOver(SECONDS * 1000);
    clearInterval(timer);
    const packets1 = await packetFloor(1);
    const packets10 = await packetFloor(10);
    const floor = (label: string, c: CpuShare) => rows.push([label, '—', '—', f(c.total), f(c.user), f(c.system), '—', '—', '—', '—']);
    floor('(idle process)', idle);
    floor('(one bare 20 ms timer)', tick);
    floor('(1 × 50 UDP packets/s arriving)', packets1);
    floor('(10 × 50 UDP packets/s arriving)', packets10);
    // The first engine in a process pays for compiling the hot path: run one call unmeasured.
    await callCost(PCMU, 1, 8000, wav8, 2);
    const add = async (label: string, codec: MediaCodecConfig, calls: number, rate: number, goal: string) => {
      const c = await callCost(codec, calls, rate, wav8);
      const work = mediaWorkOnly(codec, rate, calls);
      const above = c.total - tick.total - (calls === 1 ? packets1 : packets10).total;
      rows.push([label, String(calls), `${rate / 1000} kHz`, f(c.total), f(c.user), f(c.system), f(above), f(work), goal, String(c.missed)]);
    };
    await add('PCMU+SRTP', PCMU, 1, 8000, '< 1 %');
    await add('PCMU+SRTP', PCMU, 1, 16000, '< 1 %');
    await add('PCMU+SRTP', PCMU, 1, 48000, '< 1 %');
    await add('Opus+SRTP', OPUS, 1, 48000, '—');
    await add('PCMU+SRTP ×10', PCMU, 10, 8000, '< 10 %');
    await add('PCMU+SRTP ×10', PCMU, 10, 48000, '< 10 %');
    console.log(`${SECONDS} s of real-time media per row (median of five windows); the far ends run in another process. ` +
      `"Parley's end" = this process's CPU, wake-ups included (device rate = the engine's WAV device rate; ` +
      `the mixer runs at the codec rate and only the device port is resampled). ` +
      `"above the floors" = Parley's end minus the floors every process pays here for the same wake-ups ` +
      `(one 20 ms timer, and the far ends' packets arriving). ` +
      `"media work" = the same path in a tight loop without wake-ups (codec, resampling, SRTP, jitter buffer, RTP).`);
    console.log(table(['media', 'calls', 'device rate', "Parley's end", 'user', 'system', 'above the floors', 'media work', 'goal', 'missed ticks'], rows));
    const m48 = mixerTick(10, 48000, 48000);
    const m8 = mixerTick(10, 8000, 8000);
    const m8at48 = mixerTick(10, 8000, 48000);
    console.log('\nConferenceMixer, 10 legs + the local user (a 48 kHz device port):');
    console.log(table(['legs at', 'mixing at', 'µs per 20 ms tick', '% of one core'], [
      ['48 kHz', '48 kHz', fmt(m48.usPerTick), `${m48.pct.toFixed(2)} %`],
      ['8 kHz', '8 kHz (the engine: only the device port is resampled)', fmt(m8.usPerTick), `${m8.pct.toFixed(2)} %`],
      ['8 kHz', '48 kHz (every leg resampled both ways)', fmt(m8at48.usPerTick), `${m8at48.pct.toFixed(2)} %`],
    ]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
