/**
 * A call we place (RFC 3261 §13.2): INVITE with our SDP offer; 100 and 18x (180 → ringing,
 * 183 with SDP → early media played instead of local ringback); the 2xx confirms the dialog
 * and is ACKed; CANCEL while it rings (the 487 that follows ends the call); 3xx redirects
 * followed up to a limit (§8.1.3.4); 401/407 answered with credentials (§22.2); any other
 * final response ends the call with a reason (call-end.ts).
 */
import { newCallId, newTag } from '../../base/random-ids';
import { TransportError } from '../../base/errors';
import type { Dialog } from '../../dialog/dialog';
import type { InviteDialogs } from '../../dialog/early-dialogs';
import { parseSdp, writeSdp } from '../../sdp/sdp-codec';
import { processAnswer } from '../../sdp/negotiate';
import type { SessionDescription } from '../../sdp/model';
import { createRequest, METHODS, NameAddr, SipUri, STATUS, type SipRequest, type SipResponse } from '../../sip';
import type { ClientTransaction } from '../../transaction/transaction-layer';
import type { InviteClientTransaction } from '../../transaction/invite-client';
import type { Destination } from '../../transport/transport';
import { Call, SDP } from './call';
import type { CallAccount, CallContext } from './call-context';
import { CALL_METHODS, CALL_SUPPORTED } from './call-context';
import { endFromStatus, endFromTransport } from './call-end';
import { ReliableProvisionalTracker } from './reliable-provisional';
import { allowsUpdate } from './session-timer';

/** §8.1.3.4 leaves the limit to the UA; five hops of redirection is generous. */
const MAX_REDIRECTS = 5;
const MAX_AUTH_ROUNDS = 2;
/** RFC 4028 §7.3: 422 answers raise the interval; two rounds are enough for any sane path. */
const MAX_422_ROUNDS = 2;

export class OutgoingCall extends Call {
  readonly direction = 'outgoing' as const;
  private invite: SipRequest | undefined;
  private transaction: ClientTransaction | undefined;
  private forks: InviteDialogs | undefined;
  private readonly callId = newCallId();
  private readonly fromTag = newTag();
  private cseq = 1;
  private redirects = 0;
  private authRounds = 0;
  private intervalRounds = 0;
  /** RFC 3262 §4: which reliable 1xx get a PRACK (RSeq order per early dialog). */
  private readonly reliable1xx = new ReliableProvisionalTracker();
  private offer: SessionDescription | undefined;
  private cancelRequested = false;
  /** Early media from a 183 already set up the session with this answer. */
  private earlyAnswerOrigin: string | undefined;

  constructor(
    ctx: CallContext,
    account: CallAccount,
    private target: SipUri,
  ) {
    super(ctx, account, 'calling', target.toString(), undefined);
  }

  /** Sends the INVITE. Failures end the call (see `ended`), they do not throw. */
  async start(): Promise<void> {
    try {
      const oa = await this.openOfferAnswer();
      // Hung up while the media was being set up: nothing was sent, so there is nothing to
      // cancel; the endpoint opened meanwhile is closed here (finish() ran before it existed).
      if (this.cancelRequested) {
        await this.closeMedia();
        return;
      }
      this.offer = oa.createOffer();
      this.emitUpdate();
      await this.sendInvite(this.buildInvite());
    } catch (error) {
      const end = error instanceof TransportError ? endFromTransport(error) : { cause: 'media' as const, by: 'local' as const, reason: String(error) };
      await this.finish(end);
    }
  }

  async hangup(): Promise<void> {
    switch (this.state) {
      case 'calling':
      case 'ringing':
      case 'early':
        // §9.1: CANCEL the INVITE (the transaction layer sends it once a provisional came).
        this.cancelRequested = true;
        this.enter('terminating');
        if (this.transaction && this.transaction.request.method === METHODS.INVITE) {
          this.ctx.stack.transactions.cancel(this.transaction as InviteClientTransaction, { receiveResponse: () => {} });
        } else {
          await this.finish({ cause: 'cancelled', by: 'local' });
        }
        return;
      case 'established':
      case 'held':
        await this.bye({ cause: 'completed', by: 'local' });
        return;
      default:
        return;
    }
  }

  private buildInvite(): SipRequest {
    const from = NameAddr.create(this.account.aor.clone(), this.account.displayName);
    from.tag = this.fromTag;
    return createRequest({
      method: METHODS.INVITE,
      uri: this.target.clone(),
      from,
      to: NameAddr.create(this.target.clone()),
      callId: this.callId,
      cseq: this.cseq,
      contact: this.localContact(),
      routes: this.account.routes.map((r) => r.clone()),
      headers: [
        ['Allow', CALL_METHODS.join(', ')],
        // RFC 3262 §4 and RFC 4028 §7.1: we take reliable 1xx and offer a session timer.
        ['Supported', CALL_SUPPORTED],
        ...this.sessionTimer.requestHeaders(),
        ['User-Agent', this.ctx.userAgent],
      ],
      body: writeSdp(this.offer!),
      contentType: SDP,
    });
  }

  private localContact(): NameAddr {
    return this.ctx.stack.contactFor(this.account.aor.user, this.account.protocol, this.account.secure);
  }

  private async sendInvite(invite: SipRequest): Promise<void> {
    this.invite = invite;
    const dest = await this.destination(invite);
    if (this.cancelRequested && !this.transaction) return; // hung up during the lookup: nothing went out
    this.forks = this.ctx.dialogs.forInvite(invite, { localContact: this.localContact(), secure: this.account.secure });
    const forks = this.forks;
    this.transaction = this.ctx.stack.transactions.sendRequest(invite, dest, {
      receiveResponse: (res) => void this.receiveResponse(res, forks),
      onRequestTimeout: () => void this.failed({ cause: 'no-answer', by: 'network', status: STATUS.REQUEST_TIMEOUT, reason: 'no final answer' }),
      onTransportError: (error) => void this.failed(endFromTransport(error)),
      onTerminated: () => forks.transactionTerminated(),
    });
  }

  /** First RFC 3263 target of the next hop (first loose Route, else the Request-URI). */
  private async destination(request: SipRequest): Promise<Destination> {
    const route = request.routes[0]?.uri;
    const hop = route instanceof SipUri && route.lr ? route : request.uri;
    if (!(hop instanceof SipUri)) throw new TransportError('transport.unreachable', `cannot route to ${hop.toString()}`);
    const targets = await this.ctx.stack.transport.resolve(hop);
    const first = targets[0];
    if (!first) throw new TransportError('transport.dns', `no SIP server found for ${hop.host}`);
    return { protocol: first.protocol, host: first.host, port: first.port, serverName: first.serverName };
  }

  private async receiveResponse(res: SipResponse, forks: InviteDialogs): Promise<void> {
    if (forks !== this.forks) return; // an INVITE we replaced (auth, redirect)
    const status = res.status;
    if ((status === STATUS.UNAUTHORIZED || status === STATUS.PROXY_AUTHENTICATION_REQUIRED) && !this.cancelRequested) {
      if (await this.retryWithCredentials(res)) return;
    }
    if (status >= 300 && status < 400 && !this.cancelRequested) {
      if (await this.followRedirect(res)) return;
    }
    if (status === STATUS.SESSION_INTERVAL_TOO_SMALL && !this.cancelRequested && this.intervalRounds++ < MAX_422_ROUNDS && this.invite && this.sessionTimer.raiseToMinSE(res)) {
      // RFC 4028 §7.3: the same INVITE with a new CSeq and the larger Session-Expires / Min-SE.
      const retry = this.invite.clone();
      retry.remove('Via');
      retry.set('CSeq', `${++this.cseq} ${METHODS.INVITE}`);
      for (const [name, value] of this.sessionTimer.requestHeaders()) retry.set(name, value);
      return this.resend(retry);
    }
    const outcome = forks.receiveResponse(res);
    switch (outcome.kind) {
      case 'provisional':
        return this.provisional(res, outcome.dialog);
      case 'confirmed':
        return this.answered(res, forks, outcome.dialog);
      case 'failed': {
        if (status === STATUS.REQUEST_TERMINATED && this.cancelRequested) return this.failed({ cause: 'cancelled', by: 'local', status, reason: res.reason });
        return this.failed(endFromStatus(status, res.reason));
      }
      default:
        return;
    }
  }

  private async provisional(res: SipResponse, dialog: Dialog | undefined): Promise<void> {
    if (this.state === 'terminating' || this.state === 'terminated') return;
    if (res.status === STATUS.TRYING) return;
    const verdict = this.reliable1xx.classify(res);
    if (verdict.kind === 'drop') return; // RFC 3262 §4: neither PRACKed nor processed
    if (verdict.kind === 'prack' && dialog) this.prack(dialog, verdict.rack);
    if (res.contentLength > 0 && this.earlyAnswerOrigin === undefined && this.oa?.hasLocalOffer()) {
      // 183 Session Progress with SDP: early media (RFC 3960 gateway model) — the far end's
      // audio plays instead of local ringback. A 180 with SDP (the answer a reliable 180 must
      // carry, RFC 3262 §5) sets up the media too, but the call is ringing.
      this.earlyAnswerOrigin = originOf(res.bodyText);
      const ok = await this.readAnswer(res.bodyText);
      // The 2xx may have arrived while the media was being set up: then the call is past this.
      if (ok && (this.state === 'calling' || this.state === 'ringing' || this.state === 'early')) this.enter(res.status === STATUS.RINGING ? 'ringing' : 'early');
      return;
    }
    if (res.status === STATUS.RINGING && this.state === 'calling') this.enter('ringing');
  }

  /** RFC 3262 §7.2: PRACK in the early dialog of the reliable 1xx, with RAck "rseq cseq INVITE". */
  private prack(dialog: Dialog, rack: string): void {
    void this.sendInDialog(dialog, METHODS.PRACK, { headers: [['RAck', rack]] }).then((r) => {
      if (!r || r.status >= 300) this.log.warn('PRACK failed', { rack, status: r?.status });
    });
  }

  private async answered(res: SipResponse, forks: InviteDialogs, dialog: NonNullable<InviteDialogs['confirmed']>): Promise<void> {
    this.dialog = dialog;
    dialog.user = this;
    this.peerAllowsUpdate = allowsUpdate(res);
    this.sessionTimer.answered(res);
    await forks.acknowledge(dialog).catch((e: unknown) => this.log.warn('ACK not sent', { error: String(e) }));
    if (this.cancelRequested) {
      // The 2xx crossed our CANCEL (§9.1): the call exists now, so end it with BYE.
      this.state = 'established';
      await this.bye({ cause: 'cancelled', by: 'local' });
      return;
    }
    if (this.earlyAnswerOrigin === undefined) {
      if (!(await this.readAnswer(res.bodyText))) return;
    } else if (res.contentLength > 0 && originOf(res.bodyText) !== this.earlyAnswerOrigin) {
      // The 2xx carries a different answer than the 183 did: it is the one that counts.
      const reading = this.offer ? processAnswer(this.oa?.localDescription ?? this.offer, parseSdp(res.bodyText)) : undefined;
      if (reading?.ok) await this.applyAudio(reading.audio);
    }
    if (this.state !== 'terminated' && this.state !== 'terminating') this.enter('established');
  }

  private async retryWithCredentials(res: SipResponse): Promise<boolean> {
    const auth = this.account.authenticator;
    if (!auth || this.authRounds >= MAX_AUTH_ROUNDS || !this.invite) return false;
    const retry = this.invite.clone();
    retry.remove('Via');
    retry.remove('Authorization');
    retry.remove('Proxy-Authorization');
    retry.set('CSeq', `${++this.cseq} ${METHODS.INVITE}`);
    if (!auth.authorize(retry, res, ++this.authRounds)) return false;
    await this.resend(retry);
    return true;
  }

  private async followRedirect(res: SipResponse): Promise<boolean> {
    const next = res.contacts.map((c) => c.uri).find((u): u is SipUri => u instanceof SipUri);
    if (!next || !this.invite) return false;
    if (++this.redirects > MAX_REDIRECTS) {
      await this.failed({ cause: 'redirect-loop', by: 'remote', status: res.status, reason: res.reason });
      return true;
    }
    // §8.1.3.4: a new request to the new target with the same Call-ID, From and To, new CSeq.
    this.log.info('redirected', { to: next.toString(), status: res.status });
    this.target = next.clone();
    const retry = this.invite.clone();
    retry.remove('Via');
    retry.uri = this.target.clone();
    retry.set('CSeq', `${++this.cseq} ${METHODS.INVITE}`);
    await this.resend(retry);
    return true;
  }

  private async resend(invite: SipRequest): Promise<void> {
    try {
      await this.sendInvite(invite);
    } catch (error) {
      await this.failed(error instanceof TransportError ? endFromTransport(error) : { cause: 'network', by: 'network', reason: String(error) });
    }
  }

  private async failed(end: Parameters<Call['finish']>[0]): Promise<void> {
    if (this.state === 'terminated') return;
    if (this.dialog && this.dialog.state === 'confirmed') return; // the call is up; timers of the INVITE do not matter
    await this.finish(end);
  }
}

function originOf(sdp: string): string | undefined {
  return /^o=.*$/m.exec(sdp)?.[0];
}
