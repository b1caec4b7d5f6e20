import type { CallState, CallView } from '../../src-main/shared/model/call';
import type { UserAgent } from '../../src-main/ua/user-agent';

/** Every call event a UserAgent emits, kept for assertions. */
export interface TrackedCalls {
  readonly views: CallView[];
  readonly ended: CallView[];
  readonly incoming: CallView[];
  last(id: string): CallView | undefined;
  /** The states a call went through, repeats collapsed. */
  states(id: string): CallState[];
}

export function trackCalls(ua: UserAgent): TrackedCalls {
  const views: CallView[] = [];
  const ended: CallView[] = [];
  const incoming: CallView[] = [];
  ua.on('call.updated', (v) => views.push(v));
  ua.on('call.ended', (v) => ended.push(v));
  ua.on('call.incoming', (v) => incoming.push(v));
  return {
    views,
    ended,
    incoming,
    last: (id) => [...views].reverse().find((v) => v.id === id),
    states: (id) => views.filter((v) => v.id === id).map((v) => v.state).filter((s, i, all) => i === 0 || all[i - 1] !== s),
  };
}
