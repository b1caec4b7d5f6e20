/**
 * Media codecs, resampler and jitter buffer: throughput and what one call costs.
 * A call runs 50 encodes and 50 decodes a second, so its CPU share of one core is
 * 50/encodeRate + 50/decodeRate. Parley's Opus (libopus wasm from opus-encdec, through
 * codecs/opus.ts) is compared with the other bindings, which are measured only when installed
 * (see src-main/media/codecs/README.md).
 */
import { createRequire } from 'node:module';
import type { AudioCodec } from '../src-main/media/codecs/audio-codec';
import { pcmSamplesPerFrame } from '../src-main/media/codecs/audio-codec';
import { g722 } from '../src-main/media/codecs/g722';
import { opus } from '../src-main/media/codecs/opus';
import { pcma } from '../src-main/media/codecs/pcma';
import { pcmu } from '../src-main/media/codecs/pcmu';
import { levelDbfs, sineFitSnr, tone } from '../src-main/media/codecs/signal-quality';
import { JitterBuffer } from '../src-main/media/jitter/jitter-buffer';
import { Resampler, type ResamplerOptions } from '../src-main/media/resample';
import { EchoControl, type EchoControlSettings } from '../src-main/media/echo/echo-control';
import { VoiceProcessor } from '../src-main/media/echo/voice-processor';
import { fmt, measureRate, table } from './measure';

export const title = 'Media: codecs, Opus bindings, resampler, jitter buffer';

const pct = (encRate: number, decRate: number) => `${((50 / encRate + 50 / decRate) * 100).toFixed(3)} %`;

function speech(rate: number, n: number): Int16Array {
  return tone(new Int16Array(n), rate, [
    [180, 7000],
    [720, 3000],
    [2300, 1200],
  ]);
}

function benchCodec(codec: AudioCodec): string[] {
  const n = pcmSamplesPerFrame(codec);
  const pcm = speech(codec.sampleRate, n);
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const bytes = new Uint8Array(codec.maxPayloadBytes);
  const out = new Int16Array(n);
  let len = enc.encode(pcm, bytes);
  const e = measureRate(() => {
    len = enc.encode(pcm, bytes);
    return 1;
  }, 1000);
  const d = measureRate(() => {
    dec.decode(bytes.subarray(0, len), out);
    return 1;
  }, 1000);
  const c = measureRate(() => {
    dec.conceal(out);
    return 1;
  }, 500);
  enc.dispose();
  dec.dispose();
  return [codec.name, fmt(e.perSecond), fmt(d.perSecond), fmt(c.perSecond), pct(e.perSecond, d.perSecond)];
}

interface Binding {
  readonly name: string;
  encode(): unknown;
  decode(): unknown;
}

function opusBindings(): Binding[] {
  const require = createRequire(import.meta.url);
  const pcm = speech(48000, 960);
  const buf = Buffer.from(pcm.buffer);
  const list: Binding[] = [];
  const tryLoad = <M>(name: string, make: (m: M) => Binding) => {
    try {
      list.push(make(require(name) as M));
    } catch {
      console.log(`  (${name} not installed: skipped)`);
    }
  };
  interface OpusScriptLike {
    encode(b: Buffer, n: number): Buffer;
    decode(b: Buffer): Buffer;
    setBitrate(n: number): void;
    encoderCTL(request: number, value: number): void;
  }
  type OpusScriptCtor = (new (rate: number, ch: number, app: number) => OpusScriptLike) & { Application: { VOIP: number } };
  interface DiscordOpus {
    OpusEncoder: new (rate: number, ch: number) => { encode(b: Buffer): Buffer; decode(b: Buffer): Buffer; setBitrate(n: number): void };
  }
  interface EvanOpus {
    Encoder: new (o: object) => { encode(p: Int16Array): Uint8Array; bitrate: number };
    Decoder: new (o: object) => { decode(p: Uint8Array): Uint8Array };
  }
  {
    // Parley's, with OPUS_DEFAULTS (complexity 5, FEC for 10 % loss, signal voice).
    const e = opus.createEncoder({ bitrate: 32000 });
    const d = opus.createDecoder();
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    const p = bytes.slice(0, e.encode(pcm, bytes));
    const out = new Int16Array(960);
    list.push({ name: 'opus-encdec (Parley, wasm, libopus 1.3.1)', encode: () => e.encode(pcm, bytes), decode: () => d.decode(p, out) });
  }
  tryLoad<OpusScriptCtor>('opusscript', (O) => {
    const e = new O(48000, 1, O.Application.VOIP);
    e.setBitrate(32000);
    // The same settings as Parley's: complexity 5, FEC for 10 % loss, signal voice.
    for (const [request, value] of [[4010, 5], [4012, 1], [4014, 10], [4024, 3001]] as const) e.encoderCTL(request, value);
    const d = new O(48000, 1, O.Application.VOIP);
    const p = e.encode(buf, 960);
    return { name: 'opusscript (wasm, libopus 1.4)', encode: () => e.encode(buf, 960), decode: () => d.decode(p) };
  });
  tryLoad<DiscordOpus>('@discordjs/opus', (m) => {
    const e = new m.OpusEncoder(48000, 1);
    e.setBitrate(32000);
    const d = new m.OpusEncoder(48000, 1);
    const p = e.encode(buf);
    return { name: '@discordjs/opus (N-API)', encode: () => e.encode(buf), decode: () => d.decode(p) };
  });
  tryLoad<EvanOpus>('@evan/opus', (m) => {
    const e = new m.Encoder({ channels: 1, sample_rate: 48000, application: 'voip' });
    e.bitrate = 32000;
    const d = new m.Decoder({ channels: 1, sample_rate: 48000 });
    const p = Uint8Array.from(e.encode(pcm));
    return { name: '@evan/opus', encode: () => e.encode(pcm), decode: () => d.decode(p) };
  });
  return list;
}

function benchResampler(inRate: number, outRate: number): string[] {
  // Default filter (speech for codec rates up to 16 kHz), then the high-quality one for comparison.
  const speed = (options: ResamplerOptions) => {
    const r = new Resampler(inRate, outRate, options);
    const input = tone(new Int16Array(r.inFrame), inRate, [[1000, 16000]]);
    const out = new Int16Array(r.outFrame);
    const rate = measureRate(() => {
      r.processFrame(input, out);
      return 1;
    }, 600);
    return { taps: r.taps, ns: 1e9 / (rate.perSecond * r.outFrame), cpu: (50 / rate.perSecond) * 100 };
  };
  const run25 = (f: number) => {
    const s = new Resampler(inRate, outRate);
    const x = new Int16Array(s.inFrame);
    const y = new Int16Array(s.outFrame * 25);
    for (let k = 0; k < 25; k++) {
      tone(x, inRate, [[f, 16000]], k * s.inFrame);
      s.processFrame(x, y.subarray(k * s.outFrame, (k + 1) * s.outFrame));
    }
    return y;
  };
  // Quality: SINAD of 1 kHz and of a tone at 0.4 x the lower rate, after 0.2 s; for downsampling,
  // the attenuation of a tone at 0.625 x the output rate (5 kHz at 8 kHz), which would alias.
  const q = (f: number) => sineFitSnr(run25(f), f, outRate, (outRate / 50) * 10, (outRate / 50) * 25).toFixed(1);
  const edge = Math.round(0.4 * Math.min(inRate, outRate));
  const aliasHz = Math.round(Math.min(0.625 * outRate, 0.48 * inRate));
  const inDb = levelDbfs(tone(new Int16Array(inRate), inRate, [[1000, 16000]]));
  const alias = outRate < inRate ? `${Math.min(99, inDb - levelDbfs(run25(aliasHz), (outRate / 50) * 10)).toFixed(1)} @${aliasHz}` : '-';
  const d = speed({});
  const h = speed({ quality: 'high' });
  return [`${inRate} -> ${outRate}`, String(d.taps), d.ns.toFixed(1), `${d.cpu.toFixed(3)} %`, q(1000), `${q(edge)} @${edge}`, alias, `${h.taps}: ${h.ns.toFixed(1)}`];
}

const VOICE_SETTINGS: readonly [string, EchoControlSettings][] = [
  ['AEC', { echoCancellation: true, noiseSuppression: false }],
  ['NS', { echoCancellation: false, noiseSuppression: true }],
  ['AEC+NS', { echoCancellation: true, noiseSuppression: true }],
];

function benchVoice(label: string, rate: number, v: { playback(f: Int16Array): void; capture(m: Int16Array): void }): string[] {
  const n = rate / 50;
  const far = speech(rate, n * 50);
  const mic = new Int16Array(n);
  let k = 0;
  const r = measureRate(() => {
    const f = far.subarray((k % 50) * n, (k % 50 + 1) * n);
    for (let i = 0; i < n; i++) mic[i] = f[(i + n - 7) % n]! * 0.3;
    v.playback(f);
    v.capture(mic);
    k++;
    return 1;
  }, 1500);
  return [label, (1e6 / r.perSecond).toFixed(0), `${((50 / r.perSecond) * 100).toFixed(2)} %`];
}

export async function run(): Promise<void> {
  console.log('Codecs (20 ms frames; rates in frames/s):');
  const rows = [pcmu, pcma, g722, opus].map(benchCodec);
  console.log(table(['codec', 'encode/s', 'decode/s', 'conceal/s', 'one call'], rows));

  console.log('\nOpus bindings, 20 ms mono 48 kHz at 32 kbit/s (the first two with the same settings):');
  const brows = opusBindings().map((b) => {
    const e = measureRate(() => (b.encode(), 1), 1000);
    const d = measureRate(() => (b.decode(), 1), 1000);
    return [b.name, (1e6 / e.perSecond).toFixed(1), (1e6 / d.perSecond).toFixed(1), pct(e.perSecond, d.perSecond)];
  });
  console.log(table(['binding', 'encode us', 'decode us', 'one call'], brows));

  console.log('\nResampler (per 20 ms frame; SINAD in dB):');
  const pairs: [number, number][] = [
    [48000, 16000],
    [16000, 48000],
    [48000, 8000],
    [8000, 48000],
    [44100, 16000],
    [16000, 44100],
    [44100, 48000],
    [48000, 44100],
  ];
  console.log(table(['pair', 'taps', 'ns/out sample', 'CPU at 50/s', 'SINAD 1k', 'SINAD edge', 'alias rejection', 'high: taps: ns'], pairs.map(([a, b]) => benchResampler(a, b))));

  console.log('\nVoice processing on the microphone (per 20 ms frame, far end talking, echo at -10 dB):');
  const vrows: string[][] = [];
  for (const rate of [16000, 48000]) {
    for (const [label, settings] of VOICE_SETTINGS) vrows.push(benchVoice(`${rate / 1000} kHz device, ${label}`, rate, new VoiceProcessor({ sampleRate: rate, settings })));
  }
  const at48 = new EchoControl({ sampleRate: 48000, settings: { echoCancellation: true, noiseSuppression: true } });
  vrows.push(benchVoice('48 kHz device, AEC+NS at 48 kHz (not used: the floor it avoids)', 48000, { playback: (f) => at48.playback(f), capture: (m) => at48.capture(m, m) }));
  console.log(table(['what', 'us/frame', 'one call'], vrows));

  const jb = new JitterBuffer({ clockRate: 8000 });
  const payload = new Uint8Array(160);
  let k = 0;
  const jr = measureRate(() => {
    jb.put(k & 0xffff, (k * 160) >>> 0, payload, k * 20);
    jb.get();
    k++;
    return 1;
  }, 600);
  console.log(`\nJitter buffer: ${fmt(jr.perSecond)} put+get/s (${(1e6 / jr.perSecond).toFixed(2)} us each)`);
}
