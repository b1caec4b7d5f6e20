/**
 * The ringer: a ringtone on the ringer device while an incoming call alerts and no call is up,
 * and the call-waiting tone (ITU-T E.180 cadences, audio/tone.ts) when one is; a second ringer
 * on the call's own output device plays the ringback tone while an outgoing call rings without
 * early media (the output stream is a separate one: the sound server mixes them). It feeds 20 ms
 * frames on the injected clock to an output it opens on demand and closes when quiet, so the
 * sound card is not held between calls.
 */
import type { Clock, TimerHandle } from '../../base/clock';
import { nullLogger, type Logger } from '../../base/logger';
import type { AudioBackend, AudioOutputStream } from '../../audio/device';
import { ToneGenerator, TONE_PLANS, type ToneCountry, type TonePlan } from '../../audio/tone';
import { FRAME_MS, samplesPerFrame } from '../../media/frame';

export type RingerSound = 'ringtone' | 'callWaiting' | 'ringback';

export interface RingerOptions {
  readonly backend: AudioBackend;
  /** Ringer device id (default: the backend's default output). */
  readonly device?: string;
  readonly country?: ToneCountry;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** A ringtone distinct from ringback: two-tone bursts, 0.4 s on, 0.2 s off, twice, then 2 s of rest. */
export const RINGTONE: TonePlan = {
  name: 'parley-ringtone',
  repeat: true,
  levelDbfs: -10,
  segments: [
    { freqs: [440, 480], ms: 400 },
    { freqs: [], ms: 200 },
    { freqs: [440, 480], ms: 400 },
    { freqs: [], ms: 2000 },
  ],
};

const RATE = 16000;

export class Ringer {
  private output: AudioOutputStream | undefined;
  private generator: ToneGenerator | undefined;
  private sound: RingerSound | undefined;
  private timer: TimerHandle | undefined;
  private nextAt = 0;
  private readonly frame = new Int16Array(samplesPerFrame(RATE));
  private readonly log: Logger;

  constructor(private readonly o: RingerOptions) {
    this.log = (o.logger ?? nullLogger).child('ringer');
  }

  get playing(): RingerSound | undefined {
    return this.sound;
  }

  /** Starts (or switches to) a sound; a device failure is logged and the call goes on. */
  play(sound: RingerSound): void {
    if (this.sound === sound) return;
    this.sound = sound;
    const plans = TONE_PLANS[this.o.country ?? 'eu'];
    this.generator = new ToneGenerator(sound === 'ringtone' ? RINGTONE : sound === 'ringback' ? plans.ringback : plans.callWaiting, RATE);
    if (!this.output) {
      try {
        this.output = this.o.backend.openOutput(this.o.device ?? 'default', { sampleRate: RATE, frameMs: FRAME_MS });
        this.output.on('error', (e) => this.log.warn('ringer device failed', { error: e.message }));
      } catch (error) {
        this.log.warn('ringer device unavailable', { error: String(error) });
        this.sound = undefined;
        return;
      }
    }
    if (!this.timer) {
      this.nextAt = this.o.clock.now();
      this.tick();
    }
  }

  stop(): void {
    this.sound = undefined;
    this.generator = undefined;
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const out = this.output;
    this.output = undefined;
    void out?.close().catch(() => {});
  }

  private tick(): void {
    if (!this.generator || !this.output) return;
    this.generator.readFrame(this.frame);
    this.output.writeFrame(this.frame);
    // Paced against the schedule, not the last wake-up, so late timers do not slow the cadence.
    this.nextAt += FRAME_MS;
    this.timer = this.o.clock.setTimeout(() => this.tick(), Math.max(0, this.nextAt - this.o.clock.now()));
  }
}
