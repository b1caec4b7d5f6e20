/**
 * `parley devices`: lists the audio devices PortAudio sees, with the stable ids that
 * `--audio-in` / `--audio-out` accept, their names and default marks. Exit 0, or 2 when the
 * audio system cannot be reached.
 */
import { systemClock } from '../../base/clock';
import type { AudioBackend, AudioDeviceInfo } from '../../audio/device';
import { NaudiodonBackend } from '../../audio/naudiodon-device';
import { EXIT, type CliIo } from '../cli-io';
import type { GlobalOptions } from '../global-options';

export function formatDeviceTable(devices: readonly AudioDeviceInfo[]): string {
  if (devices.length === 0) return 'no audio devices found\n';
  const rows = devices.map((d) => {
    const roles = [d.maxInputChannels > 0 ? 'in' : '', d.maxOutputChannels > 0 ? 'out' : ''].filter(Boolean).join('/');
    const marks = [d.isDefaultInput ? 'default input' : '', d.isDefaultOutput ? 'default output' : ''].filter(Boolean).join(', ');
    return [d.id, roles, `${d.defaultSampleRate} Hz`, marks];
  });
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd()).join('\n') + '\n';
}

export function devicesCommand(g: GlobalOptions, io: CliIo, backend: AudioBackend = new NaudiodonBackend({ clock: systemClock })): number {
  let devices: AudioDeviceInfo[];
  try {
    devices = backend.listDevices();
  } catch (error) {
    io.stderr(`parley: audio devices unavailable: ${(error as Error).message}\n`);
    return EXIT.FAILURE;
  }
  if (g.json) {
    for (const d of devices) io.stdout(JSON.stringify({ event: 'device', time: new Date().toISOString(), ...d }) + '\n');
  } else {
    io.stdout(formatDeviceTable(devices));
  }
  return EXIT.OK;
}
