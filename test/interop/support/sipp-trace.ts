/**
 * Reading SIPp's message trace in call tests, and starting SIPp with its media keywords on a
 * port pair of its own (SIPp's default 6000 may be taken).
 */
import { expect } from 'vitest';
import { freePorts } from './ports';
import { parseSippTrace, startSipp, type SippOptions, type SippResult, type SippRun, type SippTraceEntry } from './sipp';

export const header = (e: SippTraceEntry, name: string): string | undefined => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(e.text)?.[1]?.trim();
export const branchOf = (e: SippTraceEntry): string | undefined => /branch=([^;\s]+)/.exec(header(e, 'Via') ?? '')?.[1];
export const toTagOf = (e: SippTraceEntry): string | undefined => /;\s*tag=([^;\s]+)/.exec(header(e, 'To') ?? '')?.[1];
export const fromTagOf = (e: SippTraceEntry): string | undefined => /;\s*tag=([^;\s]+)/.exec(header(e, 'From') ?? '')?.[1];
export const cseqOf = (e: SippTraceEntry): string | undefined => header(e, 'CSeq')?.replace(/\s+/g, ' ');
/** 'INVITE' for a request, '486' for a response. */
export const kindOf = (e: SippTraceEntry): string => (e.firstLine.startsWith('SIP/2.0 ') ? (e.firstLine.split(' ')[1] ?? '') : (e.firstLine.split(' ')[0] ?? ''));
export const received = (trace: readonly SippTraceEntry[]): SippTraceEntry[] => trace.filter((e) => e.direction === 'received');
export const sent = (trace: readonly SippTraceEntry[]): SippTraceEntry[] => trace.filter((e) => e.direction === 'sent');
/** Drops UDP retransmissions (a copy of an earlier message of the same direction). */
export const firstCopies = (entries: readonly SippTraceEntry[]): SippTraceEntry[] =>
  entries.filter((e, i) => !entries.slice(0, i).some((p) => p.direction === e.direction && p.text === e.text));

/** SIPp exited 0; its trace, parsed. */
export function expectSippPassed(result: SippResult): SippTraceEntry[] {
  expect(result.exitCode, `SIPp failed:\n${result.errors}\n${result.screen || result.output}\n${result.messages}`).toBe(0);
  return parseSippTrace(result.messages);
}

/** Starts SIPp with -mi/-mp on free ports, recording the run in `runs` for disposal. */
export async function startSippWithMedia(runs: SippRun[], scenario: string, opts: Omit<SippOptions, 'scenario'>, timeoutMs: number): Promise<SippRun> {
  const media = ['-mi', '127.0.0.1', '-mp', String(await freePorts(4))];
  const run = await startSipp({ scenario, timeoutMs, ...opts, args: [...media, ...(opts.args ?? [])] });
  runs.push(run);
  return run;
}
