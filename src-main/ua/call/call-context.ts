/**
 * What a call needs from the user agent: the SIP stack and dialog layer to signal with, the
 * media engine, the account it belongs to, and the media preferences. Injected so calls are
 * tested with in-memory transports, a fake clock and a media engine on memory sockets.
 */
import type { Clock } from '../../base/clock';
import type { Logger } from '../../base/logger';
import type { DialogLayer } from '../../dialog/dialog-layer';
import type { MediaEngineApi } from '../../media/engine-api';
import type { AudioCodecName } from '../../sdp/codec-catalog';
import type { SrtpPolicy } from '../../sdp/negotiation-types';
import type { NameAddr, SipUri } from '../../sip';
import type { TransportProtocol } from '../../transport/transport';
import type { Authenticator } from '../request-sender';
import type { SipStack } from '../sip-stack';
import type { SessionTimerSettings } from './session-timer';

export interface CallMediaPreferences {
  /** Codecs in order of preference (default PCMU, PCMA, G722, opus). */
  readonly codecs: readonly AudioCodecName[];
  readonly srtp: SrtpPolicy;
  /** Record every call to this WAV path (local left, remote right). */
  readonly recordPath?: string;
  /** RFC 4028 session interval and Min-SE (default 1800 s and 90 s). */
  readonly sessionTimer?: SessionTimerSettings;
}

/** The account a call is placed from or arrived on (null id: a direct call without account). */
export interface CallAccount {
  readonly id: string | null;
  /** Our address: From of outgoing calls. */
  readonly aor: SipUri;
  readonly displayName?: string;
  /** Outbound proxy route set. */
  readonly routes: readonly NameAddr[];
  readonly protocol: TransportProtocol;
  readonly secure: boolean;
  readonly authenticator?: Authenticator;
}

export interface CallContext {
  readonly stack: SipStack;
  readonly dialogs: DialogLayer;
  readonly media: MediaEngineApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly userAgent: string;
  readonly preferences: () => CallMediaPreferences;
}

/** Methods a call answers inside its dialog (Allow). */
export const CALL_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'INFO', 'OPTIONS', 'PRACK'] as const;

/** Option tags calls support (Supported): RFC 3891 replaces, RFC 3262 100rel, RFC 4028 timer. */
export const CALL_SUPPORTED = 'replaces, 100rel, timer';
