import { systemClock, type Clock } from '../base/clock';
import { InvalidStateError, SipParseError, TransportError, ValidationError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { newTag } from '../base/random-ids';
import { BRANCH_MAGIC_COOKIE, METHODS, STATUS, badRequestReason, createResponse, type SipRequest, type SipResponse } from '../sip';
import type { SipTransport } from '../transport/transport-layer';
import { RELIABLE, type Destination, type Flow } from '../transport/transport';
import { buildCancel } from './ack-cancel';
import { InviteClientTransaction } from './invite-client';
import { InviteServerTransaction } from './invite-server';
import { NonInviteClientTransaction } from './non-invite-client';
import { NonInviteServerTransaction } from './non-invite-server';
import { DEFAULT_TIMER_BASE, deriveTimers, type TimerBase, type TransactionTimers } from './timers';
import type { AnyTransaction, TransactionContext } from './transaction';
import type { ClientTransactionUser } from './transaction-user';

/**
 * The transaction layer (RFC 3261 §17): creates client transactions for outgoing requests,
 * matches responses to them (§17.1.3), matches incoming requests to server transactions
 * (§17.2.3) or creates new ones, hands ACKs for 2xx to the TU, answers CANCEL (§9.2), rejects
 * merged requests with 482 (§8.2.2.2), and lets transport errors reach the TU (§17.1.4).
 */
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** The layer above the transaction layer (the UA core / dialog layer). */
export interface TransactionLayerUser {
  /**
   * A new request (not a retransmission, not ACK, not CANCEL) with its server transaction,
   * which the TU answers with `transaction.respond(...)`.
   */
  onRequest(request: SipRequest, transaction: ServerTransaction): void;
  /**
   * An ACK that matched no server transaction — the ACK for a 2xx, which belongs to the dialog
   * (§17.2.3, §13.3.1.4) — or one that reached an INVITE server transaction in Accepted
   * (RFC 6026 §7.1).
   */
  onAck(ack: SipRequest, flow: Flow): void;
  /**
   * A CANCEL matched an INVITE server transaction still in Proceeding. The layer has already
   * answered the CANCEL with 200 (§9.2); the TU should now answer the INVITE with 487.
   */
  onCancel(cancel: SipRequest, invite: InviteServerTransaction): void;
  /** A response that matched no client transaction (e.g. a 2xx retransmitted after Timer M). */
  onStrayResponse?(response: SipResponse, flow: Flow): void;
}

export interface TransactionLayerOptions {
  readonly clock?: Clock;
  /** T1, T2, T4; default 500 ms, 4 s, 5 s. */
  readonly timers?: TimerBase;
  readonly logger?: Logger;
}

/** §17.2.3 key: branch + sent-by + method (ACK matches INVITE); RFC 2543 fallback without cookie. */
export function serverTransactionKey(request: SipRequest, method = request.method === METHODS.ACK ? METHODS.INVITE : request.method): string {
  const via = request.via;
  const branch = via.branch;
  if (branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE)) return `${branch}|${via.sentBy.toLowerCase()}|${method}`;
  // §17.2.3 for RFC 2543 peers: Request-URI, From tag, Call-ID, CSeq number and top Via (the
  // To tag is left out so the ACK of a non-2xx, which carries it, still matches its INVITE).
  return `2543|${request.uri.toString()}|${request.fromTag ?? ''}|${request.callId}|${request.cseq.seq}|${via.toString()}|${method}`;
}

/** §17.1.3 key of a response (or of the request that opened the client transaction). */
export function clientTransactionKey(branch: string | undefined, cseqMethod: string): string {
  return `${branch ?? ''}|${cseqMethod}`;
}

/** §8.2.2.2: From tag, Call-ID and CSeq of a request without To tag. */
function mergeKey(request: SipRequest): string {
  return `${request.fromTag ?? ''}|${request.callId}|${request.cseq.seq}|${request.cseq.method}`;
}

export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly merged = new Map<string, ServerTransaction>();
  private readonly pendingCancels = new Map<InviteClientTransaction, { user: ClientTransactionUser; reason: string | undefined }>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly timers: { reliable: TransactionTimers; unreliable: TransactionTimers };
  private disposed = false;

  constructor(
    private readonly transport: SipTransport,
    private readonly user: TransactionLayerUser,
    options: TransactionLayerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? nullLogger;
    const base = options.timers ?? DEFAULT_TIMER_BASE;
    this.timers = { reliable: deriveTimers(base, true), unreliable: deriveTimers(base, false) };
    transport.setUser({
      onRequest: (request, flow) => this.receiveRequest(request, flow),
      onResponse: (response, flow) => this.receiveResponse(response, flow),
    });
  }

  /** Live client and server transactions. */
  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /**
   * Sends a request through a new client transaction (INVITE → §17.1.1, others → §17.1.2).
   * The transport layer writes the top Via (keeping a branch already there, as CANCEL needs).
   * Throws ValidationError for ACK (use `sendAck`), TransportError when no transport serves
   * `dest`, InvalidStateError when the branch is already in use.
   */
  sendRequest(request: SipRequest, dest: Destination, user: ClientTransactionUser): ClientTransaction {
    if (this.disposed) throw new InvalidStateError('transaction layer is disposed');
    if (request.method === METHODS.ACK) throw new ValidationError('ACK has no client transaction: use sendAck');
    const finalDest = this.transport.prepareRequest(request, dest);
    const ctx = this.context(RELIABLE[finalDest.protocol], request.method === METHODS.INVITE ? 'ict' : 'nict');
    const tx =
      request.method === METHODS.INVITE
        ? new InviteClientTransaction(request, finalDest, user, ctx)
        : new NonInviteClientTransaction(request, finalDest, user, ctx);
    if (this.clients.has(tx.id)) throw new InvalidStateError(`a client transaction ${tx.id} already exists`);
    this.clients.set(tx.id, tx);
    tx.start();
    return tx;
  }

  /**
   * Cancels an INVITE (§9.1) with a CANCEL that reuses its branch and destination; the
   * CANCEL's own responses go to `user`. "If no provisional response has been received, the
   * CANCEL request MUST NOT be sent; rather, the client MUST wait for the arrival of a
   * provisional response": in Calling the CANCEL waits for the first 1xx. If the INVITE ends
   * (final response, timeout, error) first, or already has, no CANCEL is sent and `user` only
   * hears `onTerminated`.
   */
  cancel(invite: InviteClientTransaction, user: ClientTransactionUser, reason?: string): void {
    if (invite.state === 'proceeding') this.sendCancel(invite, user, reason);
    else if (invite.state === 'calling') this.pendingCancels.set(invite, { user, reason });
    else user.onTerminated?.();
  }

  private sendCancel(invite: InviteClientTransaction, user: ClientTransactionUser, reason: string | undefined): void {
    try {
      this.sendRequest(buildCancel(invite.request, reason), invite.destination, user);
    } catch (error) {
      this.logger.warn('CANCEL could not be sent', { error: String(error) });
      if (error instanceof TransportError) user.onTransportError?.(error);
      user.onTerminated?.();
    }
  }

  /** A pending CANCEL goes out on the INVITE's first provisional, or is dropped when it ends. */
  private inviteMoved(invite: InviteClientTransaction, to: string): void {
    const pending = this.pendingCancels.get(invite);
    if (!pending) return;
    this.pendingCancels.delete(invite);
    if (to === 'proceeding') this.sendCancel(invite, pending.user, pending.reason);
    else pending.user.onTerminated?.();
  }

  /** Sends the ACK for a 2xx, which the TU (dialog) builds (§13.2.2.4); no transaction. */
  async sendAck(ack: SipRequest, dest: Destination): Promise<void> {
    const finalDest = this.transport.prepareRequest(ack, dest);
    await this.transport.send(ack, finalDest);
  }

  /** Terminates every transaction without notifying TUs, cancelling all timers; idempotent. */
  dispose(): void {
    this.disposed = true;
    this.pendingCancels.clear();
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.dispose();
    this.clients.clear();
    this.servers.clear();
    this.merged.clear();
  }

  private receiveResponse(response: SipResponse, flow: Flow): void {
    // §17.1.3: the branch of the top Via and the CSeq method (a CANCEL's responses do not
    // match its INVITE's transaction).
    const tx = this.clients.get(clientTransactionKey(response.via.branch, response.cseq.method));
    if (tx) tx.receiveResponse(response);
    else this.user.onStrayResponse?.(response, flow);
  }

  private receiveRequest(request: SipRequest, flow: Flow): void {
    if (this.disposed) return;
    const key = serverTransactionKey(request);
    const existing = this.servers.get(key);
    if (existing) {
      if (existing.kind === 'ist') {
        if (existing.receiveRequest(request)) this.user.onAck(request, flow);
      } else if (request.method !== METHODS.ACK) {
        existing.receiveRequest(request);
      }
      return;
    }
    // §17.2.3: an ACK that matches no transaction is for a 2xx: the TU's.
    if (request.method === METHODS.ACK) {
      this.user.onAck(request, flow);
      return;
    }
    const loopOf = request.toTag === undefined ? this.merged.get(mergeKey(request)) : undefined;
    const tx = this.createServer(request, flow, key);
    if (loopOf && !loopOf.isTerminated) {
      // §8.2.2.2: "the UAS core SHOULD generate a 482 (Loop Detected) response".
      this.logger.info('merged request rejected', { callId: request.callId, cseq: request.cseq.seq });
      tx.respond(createResponse(request, STATUS.LOOP_DETECTED, undefined, { toTag: newTag() }));
      return;
    }
    if (request.toTag === undefined) this.merged.set(mergeKey(request), tx);
    if (request.method === METHODS.CANCEL) {
      this.receiveCancel(request, tx as NonInviteServerTransaction);
      return;
    }
    try {
      this.user.onRequest(request, tx);
    } catch (error) {
      this.failedTu(request, tx, error);
    }
  }

  /**
   * The TU threw on a new request: a fault in a lazily parsed header gets 400 naming it
   * (§8.2.1, §21.4.1), any other failure 500 (§21.5.1) — so the peer is answered and the
   * server transaction does not linger.
   */
  private failedTu(request: SipRequest, tx: ServerTransaction, error: unknown): void {
    this.logger.warn('TU failed on a request', { method: request.method, callId: request.callId, error: String(error) });
    const unanswered = tx.kind === 'ist' ? tx.state === 'proceeding' : tx.state === 'trying' || tx.state === 'proceeding';
    if (!unanswered) return;
    const parseFault = error instanceof SipParseError;
    const status = parseFault ? STATUS.BAD_REQUEST : STATUS.SERVER_INTERNAL_ERROR;
    tx.respond(createResponse(request, status, parseFault ? badRequestReason(error) : undefined, { toTag: newTag() }));
  }

  /** §9.2: CANCEL gets 200 when it matches an INVITE transaction, else 481. */
  private receiveCancel(cancel: SipRequest, tx: NonInviteServerTransaction): void {
    const invite = this.servers.get(serverTransactionKey(cancel, METHODS.INVITE));
    if (!invite || invite.kind !== 'ist') {
      tx.respond(createResponse(cancel, STATUS.CALL_TRANSACTION_DOES_NOT_EXIST, undefined, { toTag: newTag() }));
      return;
    }
    // "the To tag of the response to the CANCEL and the To tag in the response to the original
    // request SHOULD be the same".
    tx.respond(createResponse(cancel, STATUS.OK, undefined, { toTag: invite.toTag ?? newTag() }));
    if (invite.isCancellable) this.user.onCancel(cancel, invite);
  }

  private createServer(request: SipRequest, flow: Flow, key: string): ServerTransaction {
    const reliable = RELIABLE[flow.protocol];
    if (request.method === METHODS.INVITE) {
      const tx = new InviteServerTransaction(request, flow, key, this.context(reliable, 'ist'));
      this.servers.set(key, tx);
      tx.start();
      return tx;
    }
    const tx = new NonInviteServerTransaction(request, flow, key, this.context(reliable, 'nist'));
    this.servers.set(key, tx);
    return tx;
  }

  private context(reliable: boolean, kind: AnyTransaction['kind']): TransactionContext {
    return {
      clock: this.clock,
      timers: reliable ? this.timers.reliable : this.timers.unreliable,
      transport: this.transport,
      logger: this.logger.child(kind),
      onStateChange: (tx, _from, to) => {
        if (tx.kind === 'ict') this.inviteMoved(tx as InviteClientTransaction, to);
        if (to === 'terminated') this.forget(tx);
      },
    };
  }

  private forget(tx: AnyTransaction): void {
    if (tx.kind === 'ict' || tx.kind === 'nict') {
      if (this.clients.get(tx.id) === tx) this.clients.delete(tx.id);
      return;
    }
    const server = tx as ServerTransaction;
    if (this.servers.get(server.id) === server) this.servers.delete(server.id);
    const mk = mergeKey(server.request);
    if (this.merged.get(mk) === server) this.merged.delete(mk);
  }
}
