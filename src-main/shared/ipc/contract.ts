import type { AppInfo } from '../model/app-info';
import type { Result } from './result';

/**
 * The commands the renderer (and the CLI, and the WebSocket bridge) may send to the engine.
 * `src-main/ua/user-agent.ts` implements this interface, so tsc checks that main implements
 * exactly what the renderer calls. Later issues add calls, presence and messaging.
 */
export interface ParleyApi {
  appInfo(): Promise<Result<AppInfo>>;
}

/** Events from the engine to the renderer. */
export interface ParleyEvents {
  'engine.log': { readonly level: string; readonly category: string; readonly message: string };
}

/** Channel names; `satisfies` turns a forgotten channel into a compile error. */
export const COMMANDS = {
  appInfo: 'parley:appInfo',
} as const satisfies Record<keyof ParleyApi, string>;

export const EVENTS = {
  'engine.log': 'parley:event:engine.log',
} as const satisfies Record<keyof ParleyEvents, string>;

export type ParleyClient = ParleyApi & {
  on<K extends keyof ParleyEvents>(event: K, fn: (payload: ParleyEvents[K]) => void): () => void;
};
