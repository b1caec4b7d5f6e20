import type { ParleyClient } from '../../src-main/shared/ipc/contract';

/**
 * The renderer's single way to the engine: `window.parley` from the Electron preload. In a
 * plain browser there is no engine until the WebSocket bridge lands; `parley` is then
 * undefined and the UI says so instead of failing silently.
 */
declare global {
  interface Window {
    parley?: ParleyClient;
  }
}

export const parley: ParleyClient | undefined = typeof window !== 'undefined' ? window.parley : undefined;
