/**
 * The media engine's public surface, shared by the in-thread engine (`engine.ts`) and the
 * worker-thread host (`worker/host.ts`), so the calls layer drives either the same way. Every
 * method is asynchronous (a worker answers over a message port) and every value is plain data.
 *
 * Life of one call's media:
 *   1. `openEndpoint()` before the offer/answer: binds the RTP port (even) and RTCP port (+1,
 *      RFC 3550 §11) on the engine's address, for our SDP.
 *   2. `startSession(id, negotiated)` when SDP negotiation agreed (`NegotiatedAudio` fits
 *      `MediaSessionConfig`); devices open with the first session.
 *   3. `updateSession(id, negotiated)` after each re-INVITE (hold, resume, new address, codec,
 *      keys); `sendDtmf`, `setRecording` while it runs; reports arrive as `quality` events.
 *   4. `closeEndpoint(id)` at BYE: RTCP BYE, sockets closed; devices close with the last session.
 */
import type { TypedEmitter } from '../base/typed-emitter';
import type { EchoControlSettings } from './echo/echo-control';
import type { TickerStats } from './engine-ticker';
import type { MediaAddress, MediaSessionConfig } from './media-session-config';
import type { MediaDtmfEvent, MediaQualityReport } from './media-session';

export type MediaSessionId = string;

export interface MediaEndpoint {
  readonly id: MediaSessionId;
  /** The address for our SDP c= line. */
  readonly address: string;
  /** RTP port for our m= line (even). */
  readonly port: number;
  /** RTCP port (port + 1) for a=rtcp when not muxed; undefined when not allocated. */
  readonly rtcpPort: number | undefined;
}

export interface OpenEndpointOptions {
  /** Also bind port + 1 for RTCP without rtcp-mux (default true: the peer may refuse mux). */
  readonly rtcpPort?: boolean;
}

export interface StartSessionOptions {
  /** Record both sides (local left, remote right) to this WAV path from the start. */
  readonly recordPath?: string;
}

export interface MediaEngineStats {
  readonly sessions: number;
  readonly ticker: TickerStats;
  /** Whether the engine runs on a worker thread. */
  readonly isolated: boolean;
  /** Capture path: frames delivered by the device, dropped (queue full), ticks with none (silence sent). */
  readonly capture: { readonly frames: number; readonly dropped: number; readonly missing: number };
  /**
   * What paces the 20 ms cycles now ('device': the capture device's frames; 'timer': the
   * engine's ticker, with no capture device or a silent one), cycles run by device frames, and
   * the conference mixer's current rate (the widest session's).
   */
  readonly pacing: { readonly clock: 'device' | 'timer'; readonly deviceTicks: number; readonly mixRate: number };
  /**
   * The capture path's voice processing (the user's setting) and, while echo cancellation runs,
   * its echo return loss enhancement in dB (smoothed) and the echo path delay it measured (ms).
   */
  readonly voice: VoiceProcessing & { readonly erleDb: number | undefined; readonly echoDelayMs: number | undefined };
}

/** Echo cancellation and noise suppression on the microphone: a user setting, live. */
export type VoiceProcessing = EchoControlSettings;

export type MediaEngineEvents = {
  quality: [id: MediaSessionId, report: MediaQualityReport];
  dtmf: [id: MediaSessionId, event: MediaDtmfEvent];
  remoteLatched: [id: MediaSessionId, target: MediaAddress, kind: 'rtp' | 'rtcp'];
  remoteBye: [id: MediaSessionId, reason: string | undefined];
  /** A device failed or could not open (the call goes on with silence). */
  deviceError: [message: string];
  /**
   * A hot-plug capable backend moved a stream: `reason` 'opened' (first device), 'user'
   * (`setDevice`), 'lost' (the device vanished or failed: now on the default), 'returned' (the
   * preferred device came back).
   */
  deviceChanged: [role: DeviceRole, device: string, reason: DeviceChangeReason];
  /** The worker died (host only); every pending request was rejected. */
  closed: [reason: string];
};

export interface MediaEngineApi extends Pick<TypedEmitter<MediaEngineEvents>, 'on' | 'once' | 'off'> {
  openEndpoint(options?: OpenEndpointOptions): Promise<MediaEndpoint>;
  startSession(id: MediaSessionId, config: MediaSessionConfig, options?: StartSessionOptions): Promise<void>;
  updateSession(id: MediaSessionId, config: MediaSessionConfig): Promise<void>;
  sendDtmf(id: MediaSessionId, digit: string, durationMs?: number): Promise<void>;
  /** Starts recording to `path`, or stops (and finalises the file) with null. */
  setRecording(id: MediaSessionId, path: string | null): Promise<void>;
  report(id: MediaSessionId): Promise<MediaQualityReport>;
  /**
   * Moves capture or playback to the device named `device` (null: the system default) now,
   * during a call too, and remembers it by name. Needs a hot-plug capable backend
   * (`audio/managed-backend.ts`); others refuse with InvalidStateError, an unknown name with
   * MediaError('media.device').
   */
  setDevice(role: DeviceRole, device: string | null): Promise<void>;
  /**
   * Switches echo cancellation and noise suppression of the microphone on or off, now (during a
   * call too): switching the canceller on starts it fresh, with the speaker as its reference.
   */
  setVoiceProcessing(settings: VoiceProcessing): Promise<void>;
  /** Ends the session (RTCP BYE) and closes its sockets; idempotent for a known id. */
  closeEndpoint(id: MediaSessionId): Promise<void>;
  stats(): Promise<MediaEngineStats>;
  /** Closes every endpoint and the devices. */
  close(): Promise<void>;
}

/** The device side, as the engine sees it: `audio/device.ts`'s `AudioBackend` fits it as it is. */
export interface EngineInputStream {
  on(event: 'frame', fn: (frame: Int16Array) => void): () => void;
  on(event: 'error', fn: (error: Error) => void): () => void;
  close(): Promise<void>;
}

export interface EngineOutputStream {
  /** False when the frame will not be played (dropped to hold latency, closed); void = played. */
  writeFrame(frame: Int16Array): boolean | void;
  on(event: 'error', fn: (error: Error) => void): () => void;
  close(): Promise<void>;
}

export type DeviceRole = 'input' | 'output';
export type DeviceChangeReason = 'opened' | 'user' | 'lost' | 'returned';

/** What a hot-plug capable backend tells its watchers. */
export type BackendChange =
  | { readonly kind: 'switched'; readonly role: DeviceRole; readonly device: string; readonly reason: DeviceChangeReason }
  | { readonly kind: 'lost'; readonly role: DeviceRole; readonly device: string }
  | { readonly kind: 'error'; readonly message: string };

export interface EngineAudioBackend {
  readonly name: string;
  openInput(id: string, options: { readonly sampleRate: number; readonly frameMs?: number }): EngineInputStream;
  openOutput(id: string, options: { readonly sampleRate: number; readonly frameMs?: number }): EngineOutputStream;
  /** Hot-plug capable backends: device moves and errors, as they happen. */
  watch?(fn: (change: BackendChange) => void): () => void;
  /** Hot-plug capable backends: the device for a role, by name (undefined: the default). */
  setPreferred?(role: DeviceRole, name: string | undefined): void;
}
