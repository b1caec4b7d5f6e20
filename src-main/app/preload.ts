import { contextBridge, ipcRenderer } from 'electron';
import { COMMANDS, EVENTS, type ParleyClient, type ParleyEvents } from '../shared/ipc/contract';

/**
 * Builds `window.parley`: one named function per command and a typed `on()` limited to the
 * contract's events. Raw `ipcRenderer` is never exposed (Electron security checklist item 20).
 */
const api: Record<string, unknown> = {};
for (const [name, channel] of Object.entries(COMMANDS)) {
  api[name] = (...args: unknown[]) => ipcRenderer.invoke(channel, ...args);
}
api['on'] = <K extends keyof ParleyEvents>(event: K, fn: (payload: ParleyEvents[K]) => void) => {
  const channel = EVENTS[event];
  if (!channel) throw new Error(`unknown event ${String(event)}`);
  const listener = (_e: unknown, payload: ParleyEvents[K]) => fn(payload);
  ipcRenderer.on(channel, listener);
  return () => ipcRenderer.removeListener(channel, listener);
};

contextBridge.exposeInMainWorld('parley', api as unknown as ParleyClient);
