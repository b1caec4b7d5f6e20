/**
 * The call state machine (STYLE.md §3.3: idle → calling → ringing/early → established ⇄ held →
 * terminating → terminated; incoming → answering → established).
 *
 *   outgoing:  calling ──180──▶ ringing ──183+SDP──▶ early
 *                 │                │                  │
 *                 └──────2xx───────┴───────2xx────────┴──▶ established ⇄ held
 *   incoming:  incoming ──answer──▶ answering ──ACK──▶ established       │
 *   any live state ── hangup/BYE/CANCEL ──▶ terminating ──▶ terminated ◀─┘
 *   (a failure response, a timeout or a refusal goes straight to terminated)
 */
import type { CallState } from '../../shared/model/call';

export const CALL_NEXT: Readonly<Record<CallState, readonly CallState[]>> = {
  calling: ['ringing', 'early', 'established', 'terminating', 'terminated'],
  ringing: ['early', 'ringing', 'established', 'terminating', 'terminated'],
  early: ['ringing', 'established', 'terminating', 'terminated'],
  incoming: ['answering', 'terminating', 'terminated'],
  answering: ['established', 'terminating', 'terminated'],
  established: ['held', 'terminating', 'terminated'],
  held: ['established', 'terminating', 'terminated'],
  terminating: ['terminated'],
  terminated: [],
};

export function canMoveCall(from: CallState, to: CallState): boolean {
  return CALL_NEXT[from].includes(to);
}

/** States in which the call has a confirmed dialog and media may flow both ways. */
export function isConnected(state: CallState): boolean {
  return state === 'established' || state === 'held';
}
