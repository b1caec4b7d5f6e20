/**
 * A SIP dialog (RFC 3261 §12): the peer-to-peer state that in-dialog requests are built from
 * and checked against — Call-ID and tags, local and remote URI, local and remote CSeq, the
 * remote target (the peer's Contact) and the route set, and the secure flag. Created as UAC
 * from a request and a 1xx-with-To-tag or 2xx (§12.1.2), or as UAS from a request and our
 * response to it (§12.1.1). It sends nothing itself: `createRequest` and `createAck` give the
 * request and its next hop; the dialog layer (dialog-layer.ts) sends them.
 */
import { InvalidStateError, TransportError, ValidationError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { randomUint32 } from '../base/random-ids';
import { TypedEmitter } from '../base/typed-emitter';
import { MAX_CSEQ, METHODS, STATUS, SipUri, createRequest, type HeaderInit, type NameAddr, type SipRequest, type SipResponse, type Uri } from '../sip';
import type { ServerTransaction } from '../transaction/transaction-layer';
import type { ResolvePreferences, ResolvedTarget } from '../transport/resolver';
import type { Destination, Flow } from '../transport/transport';
import { dialogKey, uacDialogId, uasDialogId, type DialogId } from './dialog-id';
import { checkDialogTransition, type DialogState } from './dialog-state';
import { requestTarget, uacRouteSet, uasRouteSet } from './route-set';

/** RFC 3263 lookup of a next hop, e.g. `SipTransportLayer.resolve` (tests inject a table). */
export type HopResolver = (uri: SipUri, prefs?: ResolvePreferences) => Promise<readonly ResolvedTarget[]>;

/**
 * Requests that refresh the remote target (§12.2: "target refresh requests"): INVITE, UPDATE
 * (RFC 3311 §5.1), SUBSCRIBE and NOTIFY (RFC 6665 §4.1.2.1, §4.2.1), REFER (RFC 3515 §2.4.1).
 */
export const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set([METHODS.INVITE, METHODS.UPDATE, METHODS.SUBSCRIBE, METHODS.NOTIFY, METHODS.REFER]);

export interface DialogOptions {
  /** Our Contact, put into target refresh requests (§12.2.1.1, §8.1.1.8). */
  readonly localContact?: NameAddr;
  /** Resolves next hops for `DialogRequest.destination()`. */
  readonly resolve?: HopResolver;
  readonly logger?: Logger;
  /** UAS: the CSeq of our first request (default random below 2**16, §8.1.1.5). */
  readonly initialLocalCseq?: number;
  /**
   * The secure flag (§12.1.1/§12.1.2: the request went over TLS and its Request-URI was
   * sips). Default: the Request-URI is sips (Parley sends sips only over TLS).
   */
  readonly secure?: boolean;
}

/** What a new dialog may be given besides what the dialog layer supplies (resolver, logger). */
export type NewDialogOptions = Pick<DialogOptions, 'localContact' | 'secure' | 'initialLocalCseq'>;

/** An ACK that was sent, kept so it can be sent again for a retransmitted 2xx (§13.2.2.4). */
export interface SentAck {
  readonly request: SipRequest;
  readonly destination: Destination;
}

/** The layer above a dialog (an INVITE session, a subscription): hears its requests. */
export interface DialogUser {
  /** A new in-dialog request that passed the CSeq check (§12.2.2); answer it on `transaction`. */
  onRequest(request: SipRequest, transaction: ServerTransaction, dialog: Dialog): void;
  /** The ACK for a 2xx to an INVITE of this dialog (§13.3.1.4, §17.2.3). */
  onAck?(ack: SipRequest, flow: Flow, dialog: Dialog): void;
}

export interface DialogEvents extends Record<string, unknown[]> {
  stateChanged: [to: DialogState, from: DialogState];
}

export interface DialogRequestOptions {
  /** Extra header fields (e.g. Authorization, Reason, Event). */
  readonly headers?: HeaderInit;
  readonly body?: Buffer | string;
  readonly contentType?: string;
  /** Contact for this request (default: the dialog's local Contact on target refresh requests). */
  readonly contact?: NameAddr;
}

/** An in-dialog request and where it goes. */
export interface DialogRequest {
  readonly request: SipRequest;
  /** The URI whose RFC 3263 targets receive the request (§8.1.2): first route or remote target. */
  readonly nextHop: Uri;
  /** The first RFC 3263 target of `nextHop` (TransportError when there is none). */
  destination(): Promise<Destination>;
}

/** Result of the §12.2.2 checks on an incoming in-dialog request. */
export type RemoteCseqCheck = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly reason: string };

export class Dialog extends TypedEmitter<DialogEvents> {
  readonly id: DialogId;
  /** The dialog's key in tables (`dialogKey(id)`). */
  readonly key: string;
  /** §12.1.1/§12.1.2: the local and remote URIs, without tags. */
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  readonly secure: boolean;
  /** Set by whoever owns the dialog (call, subscription). */
  user: DialogUser | undefined;
  /** Our Contact for target refresh requests; may change (e.g. a new local address). */
  localContact: NameAddr | undefined;
  private current: DialogState;
  private _localCseq: number | undefined;
  private _remoteCseq: number | undefined;
  private _remoteTarget: Uri;
  private _routeSet: NameAddr[];
  private readonly log: Logger;
  private readonly resolveHop: HopResolver | undefined;
  private readonly initialCseq: number;

  private constructor(
    readonly role: 'uac' | 'uas',
    init: {
      id: DialogId;
      state: DialogState;
      localUri: NameAddr;
      remoteUri: NameAddr;
      localCseq: number | undefined;
      remoteCseq: number | undefined;
      remoteTarget: Uri;
      routeSet: NameAddr[];
      secure: boolean;
    },
    o: DialogOptions,
  ) {
    super();
    this.id = init.id;
    this.key = dialogKey(init.id);
    this.current = init.state;
    this.localUri = withoutTag(init.localUri);
    this.remoteUri = withoutTag(init.remoteUri);
    this._localCseq = init.localCseq;
    this._remoteCseq = init.remoteCseq;
    this._remoteTarget = init.remoteTarget;
    this._routeSet = init.routeSet;
    this.secure = init.secure;
    this.localContact = o.localContact;
    this.resolveHop = o.resolve;
    this.initialCseq = o.initialLocalCseq ?? 1 + (randomUint32() % 0x10000);
    this.log = (o.logger ?? nullLogger).child('dialog');
  }

  /**
   * §12.1.2: the UAC's dialog from the request it sent and a 101–199 response with a To tag
   * (early) or a 2xx (confirmed). Throws ValidationError for any other response.
   */
  static asUac(request: SipRequest, response: SipResponse, o: DialogOptions = {}): Dialog {
    const status = response.status;
    if (status <= 100 || status >= 300) throw new ValidationError(`a ${status} response creates no dialog`);
    if (status < 200 && response.toTag === undefined) throw new ValidationError('a provisional response without To tag creates no dialog');
    if (response.callId !== request.callId || response.fromTag !== request.fromTag) throw new ValidationError('the response does not belong to the request');
    return new Dialog(
      'uac',
      {
        id: uacDialogId(request, response),
        state: status < 200 ? 'early' : 'confirmed',
        localUri: request.from,
        remoteUri: request.to,
        // "The local sequence number MUST be set to the value of the sequence number in the
        // CSeq header field of the request. The remote sequence number MUST be empty."
        localCseq: request.cseq.seq,
        remoteCseq: undefined,
        // "The remote target MUST be set to the URI from the Contact header field of the
        // response." A peer that omits it is reached at the Request-URI instead.
        remoteTarget: (response.contacts[0]?.uri ?? request.uri).clone(),
        routeSet: uacRouteSet(response),
        secure: o.secure ?? request.uri.scheme === 'sips',
      },
      o,
    );
  }

  /**
   * §12.1.1: the UAS's dialog from the request it received and its own 101–199 (early) or 2xx
   * (confirmed) response, which carries our To tag. Throws ValidationError when the request has
   * no Contact (§8.1.1.8 requires one) or the response cannot create a dialog.
   */
  static asUas(request: SipRequest, response: SipResponse, o: DialogOptions = {}): Dialog {
    const status = response.status;
    if (status <= 100 || status >= 300) throw new ValidationError(`a ${status} response creates no dialog`);
    const localTag = response.toTag;
    if (localTag === undefined) throw new ValidationError('the response has no To tag');
    const contact = request.contacts[0];
    if (contact === undefined) throw new ValidationError(`${request.method} without Contact cannot create a dialog`);
    return new Dialog(
      'uas',
      {
        id: uasDialogId(request, localTag),
        state: status < 200 ? 'early' : 'confirmed',
        localUri: request.to,
        remoteUri: request.from,
        // "The remote sequence number MUST be set to the value of the sequence number in the
        // CSeq header field of the request. The local sequence number MUST be empty."
        localCseq: undefined,
        remoteCseq: request.cseq.seq,
        remoteTarget: contact.uri.clone(),
        routeSet: uasRouteSet(request),
        secure: o.secure ?? request.uri.scheme === 'sips',
      },
      o,
    );
  }

  get state(): DialogState {
    return this.current;
  }
  get callId(): string {
    return this.id.callId;
  }
  get localTag(): string {
    return this.id.localTag;
  }
  get remoteTag(): string {
    return this.id.remoteTag;
  }
  /** The CSeq of our last request in this dialog (undefined for a UAS that sent none). */
  get localCseq(): number | undefined {
    return this._localCseq;
  }
  /** The CSeq of the peer's last request (undefined for a UAC that received none). */
  get remoteCseq(): number | undefined {
    return this._remoteCseq;
  }
  /** The peer's Contact URI, where requests go (§12.1, refreshed per §12.2). */
  get remoteTarget(): Uri {
    return this._remoteTarget;
  }
  get routeSet(): readonly NameAddr[] {
    return this._routeSet;
  }
  /** Whether we chose the Call-ID (we sent the dialog-creating request): §14.1 glare timing. */
  get ownsCallId(): boolean {
    return this.role === 'uac';
  }
  get isTerminated(): boolean {
    return this.current === 'terminated';
  }

  /**
   * §12.2.1.1: a new request in this dialog. "The URI in the To field of the request MUST be
   * set to the remote URI from the dialog state. The tag in the To header field of the request
   * MUST be set to the remote tag of the dialog ID. The From URI … MUST be set to the local URI
   * … The tag in the From header field … MUST be set to the local tag … The Call-ID … MUST be
   * set to the Call-ID of the dialog … the CSeq header field value MUST be the local sequence
   * number incremented by one" (or chosen afresh when empty). Request-URI and Route come from
   * the remote target and route set (route-set.ts). ACK and CANCEL are not built here: use
   * `createAck` and the transaction layer's `cancel`.
   */
  createRequest(method: string, o: DialogRequestOptions = {}): DialogRequest {
    if (method === METHODS.ACK || method === METHODS.CANCEL) throw new ValidationError(`${method} is not a new in-dialog request (use createAck / cancel)`);
    if (this.current === 'terminated') throw new InvalidStateError(`dialog ${this.describe()} is terminated`);
    const contact = o.contact ?? (TARGET_REFRESH_METHODS.has(method) ? this.localContact : undefined);
    // §8.1.1.8: "the Contact header field MUST be present and contain exactly one SIP or SIPS
    // URI in any request that can result in the establishment of a dialog" (and so in refreshes).
    if (contact === undefined && TARGET_REFRESH_METHODS.has(method)) throw new ValidationError(`${method} in a dialog needs a Contact (set localContact)`);
    const seq = this._localCseq === undefined ? this.initialCseq : this._localCseq + 1;
    if (seq > MAX_CSEQ) throw new InvalidStateError(`dialog ${this.describe()}: local CSeq would pass 2**31 - 1`);
    this._localCseq = seq;
    return this.build(method, seq, { ...o, ...(contact !== undefined ? { contact } : {}) });
  }

  /**
   * §13.2.2.4: the ACK for a 2xx to the INVITE with CSeq `inviteCseq`. "The header fields of the
   * ACK are constructed in the same way as for any request sent within a dialog … with the
   * exception of the CSeq and the header fields related to authentication. The sequence number
   * of the CSeq header field MUST be the same as the INVITE being acknowledged, but the CSeq
   * method MUST be ACK. The ACK MUST contain the same credentials as the INVITE" (pass them in
   * `o.headers`). `sdp` is the answer when the 2xx carried the offer.
   */
  createAck(inviteCseq: number, sdp?: string, o: Omit<DialogRequestOptions, 'body' | 'contentType'> = {}): DialogRequest {
    if (this.current === 'terminated') throw new InvalidStateError(`dialog ${this.describe()} is terminated`);
    const body = sdp !== undefined ? { body: sdp, contentType: 'application/sdp' } : {};
    return this.build(METHODS.ACK, inviteCseq, { ...o, ...body });
  }

  /**
   * §12.2.2 checks on a new request that matched this dialog, and the target refresh: "If the
   * remote sequence number was not empty, but the sequence number of the request is lower than
   * the remote sequence number, the request is out of order and MUST be rejected with a 500
   * (Server Internal Error) response." An equal number is no new request either (a retransmission
   * is absorbed by its transaction), so it gets 500 too. ACK and CANCEL carry the INVITE's number
   * and pass. "When a UAS receives a target refresh request, it MUST replace the dialog's remote
   * target URI with the URI from the Contact header field in that request, if present."
   */
  receiveRequest(request: SipRequest): RemoteCseqCheck {
    if (this.current === 'terminated') return { ok: false, status: STATUS.CALL_TRANSACTION_DOES_NOT_EXIST, reason: 'Call/Transaction Does Not Exist' };
    if (request.method === METHODS.ACK || request.method === METHODS.CANCEL) return { ok: true };
    const seq = request.cseq.seq;
    if (this._remoteCseq !== undefined && seq <= this._remoteCseq) {
      this.log.info('request out of order', { dialog: this.describe(), cseq: seq, remoteCseq: this._remoteCseq });
      return { ok: false, status: STATUS.SERVER_INTERNAL_ERROR, reason: 'Request Out Of Order' };
    }
    this._remoteCseq = seq;
    if (TARGET_REFRESH_METHODS.has(request.method)) this.refreshTarget(request, 'request');
    return { ok: true };
  }

  /**
   * A response to a request this dialog sent (including the dialog-creating INVITE):
   * - early UAC dialog, INVITE: a 2xx confirms it and "the route set for the dialog MUST be
   *   recomputed based on the 2xx response" (§13.2.2.4), a 1xx may bring a new Contact, a
   *   3xx–6xx terminates it (§13.2.2.3);
   * - a 2xx to a target refresh request: "it MUST replace the dialog's remote target URI with the
   *   URI from the Contact header field in that response, if present" (§12.2.1.2).
   */
  receiveResponse(response: SipResponse): void {
    if (this.current === 'terminated') return;
    const method = response.cseq.method;
    const status = response.status;
    if (this.current === 'early' && this.role === 'uac' && method === METHODS.INVITE) {
      if (status >= 300) {
        this.enter('terminated');
        return;
      }
      this.refreshTarget(response, `${status}`);
      if (status >= 200) {
        this._routeSet = uacRouteSet(response);
        this.enter('confirmed');
      }
      return;
    }
    if (status >= 200 && status < 300 && TARGET_REFRESH_METHODS.has(method)) this.refreshTarget(response, `${status} to ${method}`);
  }

  /**
   * UAS: we sent `response` to the dialog-creating request. A 2xx confirms an early dialog
   * (§13.3.1.4); a 3xx–6xx ends it.
   */
  responded(response: SipResponse): void {
    if (this.current !== 'early' || this.role !== 'uas') return;
    if (response.status >= 300) this.enter('terminated');
    else if (response.status >= 200) this.enter('confirmed');
  }

  /** Ends the dialog (BYE sent or received, INVITE failed, 481/408 to an in-dialog request); idempotent. */
  terminate(): void {
    if (this.current !== 'terminated') this.enter('terminated');
  }

  /** The first RFC 3263 target for `uri` (TLS only in a secure dialog, §26.2.2). */
  async resolve(uri: Uri): Promise<Destination> {
    if (!(uri instanceof SipUri)) throw new TransportError('transport.unreachable', `cannot route to ${uri.toString()}: not a SIP URI`);
    if (!this.resolveHop) throw new TransportError('transport.unreachable', 'dialog has no resolver');
    const prefs: ResolvePreferences = this.secure ? { supported: ['tls'] } : {};
    const targets = (await this.resolveHop(uri, prefs)).filter((t) => !this.secure || t.protocol === 'tls');
    const first = targets[0];
    if (!first) throw new TransportError('transport.dns', `no ${this.secure ? 'TLS ' : ''}target found for ${uri.toString()}`);
    return { protocol: first.protocol, host: first.host, port: first.port, serverName: first.serverName };
  }

  /** "callId;local=tag;remote=tag" for logs. */
  describe(): string {
    return `${this.id.callId};local=${this.id.localTag};remote=${this.id.remoteTag}`;
  }

  private build(method: string, seq: number, o: DialogRequestOptions): DialogRequest {
    const target = requestTarget(this._remoteTarget, this._routeSet);
    const from = this.localUri.clone();
    if (this.id.localTag !== '') from.tag = this.id.localTag;
    const to = this.remoteUri.clone();
    if (this.id.remoteTag !== '') to.tag = this.id.remoteTag;
    const request = createRequest({
      method,
      uri: target.uri,
      from,
      to,
      callId: this.id.callId,
      cseq: seq,
      routes: target.routes,
      ...(o.contact !== undefined ? { contact: o.contact } : {}),
      ...(o.headers !== undefined ? { headers: o.headers } : {}),
      ...(o.body !== undefined ? { body: o.body } : {}),
      ...(o.contentType !== undefined ? { contentType: o.contentType } : {}),
    });
    const nextHop = target.nextHop;
    return { request, nextHop, destination: () => this.resolve(nextHop) };
  }

  private refreshTarget(message: SipRequest | SipResponse, why: string): void {
    const contact = message.contacts[0];
    if (contact === undefined) return;
    this._remoteTarget = contact.uri.clone();
    this.log.debug('remote target refreshed', { dialog: this.describe(), by: why, target: this._remoteTarget.toString() });
  }

  private enter(next: DialogState): void {
    const from = this.current;
    checkDialogTransition(from, next, `dialog ${this.describe()}`);
    this.current = next;
    this.log.debug(`${from} -> ${next}`, { dialog: this.describe() });
    this.safeEmit('stateChanged', next, from);
  }
}

function withoutTag(na: NameAddr): NameAddr {
  const c = na.clone();
  c.tag = undefined;
  return c;
}
