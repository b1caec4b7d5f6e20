import type { AudioBackend, AudioOutputStream } from '../../src-main/audio/device';

/**
 * An audio backend whose output keeps every frame written to it (copies), for tests of what a
 * component plays: the ringer, ringback. It has no input.
 */
export function captureOutput() {
  const frames: Int16Array[] = [];
  const state = { open: false, opened: 0, closed: 0 };
  const backend = {
    name: 'capture',
    listDevices: () => [],
    openInput: () => {
      throw new Error('the capture backend has no input');
    },
    openOutput: () => {
      state.open = true;
      state.opened++;
      return {
        writeFrame: (f: Int16Array) => frames.push(f.slice()),
        on: () => () => {},
        close: async () => {
          state.open = false;
          state.closed++;
        },
      } as unknown as AudioOutputStream;
    },
  } as unknown as AudioBackend;
  /** Frames [from, to) as one signal. */
  const joined = (from: number, to: number): Int16Array => Int16Array.from(frames.slice(from, to).flatMap((f) => [...f]));
  return { backend, frames, state, joined };
}
