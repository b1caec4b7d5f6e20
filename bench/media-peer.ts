/**
 * The far end for `media.bench.ts`, in its own process (started with `fork`), so the bench
 * measures only Parley's end of each call: a `MediaEngine` with a looping WAV microphone that
 * opens endpoints and starts sessions when the parent asks over the IPC channel.
 *
 * Messages in:  { type: 'open', count } → { type: 'opened', ports }
 *               { type: 'start', configs } → { type: 'started' }
 *               { type: 'close' } → the process exits.
 */
import { systemClock } from '../src-main/base/clock';
import { WavAudioBackend } from '../src-main/audio/wav-device';
import { MediaEngine } from '../src-main/media/engine';
import type { MediaSessionConfig } from '../src-main/media/media-session-config';

export type PeerRequest =
  | { readonly type: 'open'; readonly count: number }
  | { readonly type: 'start'; readonly configs: readonly MediaSessionConfig[] }
  | { readonly type: 'close' };

export type PeerReply = { readonly type: 'opened'; readonly ports: readonly number[] } | { readonly type: 'started' };

const [wav, rateArg] = process.argv.slice(2);
if (!wav || !process.send) {
  console.error('media-peer: run by media.bench.ts (fork with an IPC channel): media-peer.ts <wav> <sampleRate>');
  process.exit(2);
}
const send = (m: PeerReply) => process.send!(m);
const engine = new MediaEngine({
  clock: systemClock,
  sampleRate: Number(rateArg ?? 8000),
  portMin: 40000,
  portMax: 49998,
  statsIntervalMs: 1000,
  devices: new WavAudioBackend({ clock: systemClock, inputPath: wav, loop: true }),
});
const ids: string[] = [];

process.on('message', (m: PeerRequest) => {
  void (async () => {
    if (m.type === 'open') {
      const ports: number[] = [];
      for (let i = 0; i < m.count; i++) {
        const ep = await engine.openEndpoint({ rtcpPort: false });
        ids.push(ep.id);
        ports.push(ep.port);
      }
      send({ type: 'opened', ports });
    } else if (m.type === 'start') {
      for (let i = 0; i < m.configs.length; i++) await engine.startSession(ids[i]!, m.configs[i]!);
      send({ type: 'started' });
    } else {
      await engine.close();
      process.exit(0);
    }
  })().catch((err: unknown) => {
    console.error('media-peer:', err);
    process.exit(1);
  });
});
