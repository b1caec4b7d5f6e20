/**
 * The microphone's voice processing at the device rate: echo cancellation and noise
 * suppression (`EchoControl`) run in the voice band, at most 16 kHz. A device at 48 kHz is
 * brought down to 16 kHz (microphone and speaker reference alike, through the same kind of
 * filter, so their delays match), cleaned there and brought back up.
 *
 * Why: the canceller's cost grows with the square of the rate (a 128 ms tail is 2,048 taps at
 * 16 kHz and 6,144 at 48 kHz, and three times as many blocks a second). `npm run bench codecs`
 * printed, for echo cancellation plus noise suppression on a 48 kHz device, 1.3 % of a core
 * this way against 6.1 % at 48 kHz (and 3–5× that with noisier far-end audio, which keeps the
 * filter adapting). The price is that, while either is on, the
 * microphone carries speech up to 8 kHz — all that G.711 and G.722 carry anyway, and the band
 * Linphone's and WebRTC's mobile cancellers work in; with both off the device rate goes through
 * untouched.
 */
import { samplesPerFrame } from '../frame';
import { FrameResampler } from '../resample';
import { EchoControl, type EchoControlSettings, type EchoControlStats } from './echo-control';

/** The highest rate the echo canceller and noise suppressor run at. */
export const VOICE_BAND_RATE = 16000;

interface BandSplit {
  readonly micDown: FrameResampler;
  readonly refDown: FrameResampler;
  readonly up: FrameResampler;
  readonly mic: Int16Array;
  readonly ref: Int16Array;
}

export class VoiceProcessor {
  readonly sampleRate: number;
  /** The rate `EchoControl` runs at: the device rate up to 16 kHz. */
  readonly processingRate: number;
  private readonly control: EchoControl;
  private readonly band: BandSplit | undefined;
  private settings: EchoControlSettings;

  constructor(options: { readonly sampleRate: number; readonly settings: EchoControlSettings }) {
    this.sampleRate = options.sampleRate;
    this.processingRate = Math.min(options.sampleRate, VOICE_BAND_RATE);
    this.settings = options.settings;
    this.control = new EchoControl({ sampleRate: this.processingRate, settings: options.settings });
    if (this.processingRate !== this.sampleRate) {
      const n = samplesPerFrame(this.processingRate);
      this.band = {
        micDown: new FrameResampler(this.sampleRate, this.processingRate),
        refDown: new FrameResampler(this.sampleRate, this.processingRate),
        up: new FrameResampler(this.processingRate, this.sampleRate),
        mic: new Int16Array(n),
        ref: new Int16Array(n),
      };
    }
  }

  /** True when the microphone goes through any processing. */
  get active(): boolean {
    return this.settings.echoCancellation || this.settings.noiseSuppression;
  }

  /** Switches either part on or off, now; a part switched on starts fresh. */
  configure(settings: EchoControlSettings): void {
    const wasActive = this.active;
    this.settings = { echoCancellation: settings.echoCancellation, noiseSuppression: settings.noiseSuppression };
    this.control.configure(this.settings);
    if (this.active && !wasActive && this.band) {
      this.band.micDown.reset();
      this.band.refDown.reset();
      this.band.up.reset();
    }
  }

  current(): EchoControlSettings {
    return this.settings;
  }

  stats(): EchoControlStats | undefined {
    return this.control.stats();
  }

  /** A frame just handed to the speaker (device rate): the echo reference. */
  playback(frame: Int16Array): void {
    if (!this.settings.echoCancellation) return;
    const band = this.band;
    if (!band) {
      this.control.playback(frame);
      return;
    }
    band.refDown.write(frame);
    while (band.refDown.read(band.ref)) this.control.playback(band.ref);
  }

  /** The speaker dropped the frame it was given: the next one plays in its place. */
  playbackDropped(): void {
    if (this.settings.echoCancellation) this.control.playbackDropped();
  }

  /** Cleans one captured frame (device rate) in place. */
  capture(mic: Int16Array): void {
    if (!this.active) return;
    const band = this.band;
    if (!band) {
      this.control.capture(mic, mic);
      return;
    }
    band.micDown.write(mic);
    while (band.micDown.read(band.mic)) {
      this.control.capture(band.mic, band.mic);
      band.up.write(band.mic);
    }
    // Integer ratios (48 kHz / 16 kHz) give exactly one frame each way; others may lag a frame
    // at first, which is heard as one frame of silence, never as a stale frame.
    if (!band.up.read(mic)) mic.fill(0);
  }
}
