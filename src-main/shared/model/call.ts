/** What the UI and the CLI see of one call. */
export type CallState =
  | 'calling' // INVITE sent, nothing back yet beyond 100
  | 'ringing' // 180: the far end is alerting
  | 'early' // 183 with media: announcements or ringback from the network
  | 'incoming' // an INVITE arrived; we are alerting the user
  | 'answering' // we sent 200 and wait for the ACK
  | 'established'
  | 'held' // we put the call on hold
  | 'terminating' // BYE or CANCEL sent
  | 'terminated';

/** Why a call ended, in words a user can act on. */
export type CallEndCause =
  | 'completed' // someone hung up an established call
  | 'cancelled' // the caller gave up before the answer
  | 'busy' // 486, 600
  | 'declined' // 603
  | 'not-found' // 404, 604
  | 'unavailable' // 480, 410
  | 'no-answer' // 408 or no final response in time
  | 'no-common-codec' // 488, 606, or an answer we could not accept
  | 'auth' // 401/407 we could not answer, 403
  | 'redirect-loop' // too many 3xx
  | 'network' // transport failure
  | 'tls' // TLS handshake or certificate
  | 'dns' // the target did not resolve
  | 'rejected' // other 4xx-6xx
  | 'media' // the media could not start
  | 'session-expired'; // RFC 4028 session timer ran out

export interface CallEnd {
  readonly cause: CallEndCause;
  /** Who ended it. */
  readonly by: 'local' | 'remote' | 'network';
  readonly status?: number;
  readonly reason?: string;
}

export interface CallView {
  readonly id: string;
  readonly accountId: string | null;
  readonly direction: 'outgoing' | 'incoming';
  /** The far end's address (To for outgoing, From for incoming). */
  readonly remote: string;
  readonly remoteName?: string;
  readonly state: CallState;
  /** The far end put us on hold. */
  readonly remoteHold: boolean;
  /** Codec in use, e.g. "PCMU/8000". */
  readonly codec?: string;
  /** Whether media is encrypted (SRTP). */
  readonly secure: boolean;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly end?: CallEnd;
}
