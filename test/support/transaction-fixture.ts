import type { TransportError } from '../../src-main/base/errors';
import { newCallId, newTag } from '../../src-main/base/random-ids';
import { createRequest, createResponse, parseNameAddr, type SipRequest, type SipResponse } from '../../src-main/sip';
import { LoopNetwork, type LoopPacket } from '../../src-main/transport/loop';
import { SipTransportLayer } from '../../src-main/transport/transport-layer';
import type { Destination, Flow } from '../../src-main/transport/transport';
import type { InviteServerTransaction } from '../../src-main/transaction/invite-server';
import { TransactionLayer, type ServerTransaction } from '../../src-main/transaction/transaction-layer';
import type { ClientTransactionUser } from '../../src-main/transaction/transaction-user';
import type { TimerBase } from '../../src-main/transaction/timers';
import { FakeClock } from './fake-clock';

/**
 * Two (or more) SIP peers — transport layer + transaction layer — on one in-memory loop network
 * in virtual time. Each peer records what its TU hears; `onRequest` lets a test play the TU.
 */
export interface Peer {
  readonly name: string;
  readonly address: Destination;
  readonly transport: SipTransportLayer;
  readonly layer: TransactionLayer;
  readonly requests: Array<{ request: SipRequest; tx: ServerTransaction }>;
  readonly acks: SipRequest[];
  readonly cancels: Array<{ cancel: SipRequest; invite: InviteServerTransaction }>;
  readonly strays: SipResponse[];
  /** The TU's reaction to a new request (default: none). */
  onRequest: ((request: SipRequest, tx: ServerTransaction) => void) | undefined;
  onCancel: ((cancel: SipRequest, invite: InviteServerTransaction) => void) | undefined;
  /** The TU's reaction to an ACK for a 2xx (default: none; it is recorded in `acks`). */
  onAck: ((ack: SipRequest, flow: Flow) => void) | undefined;
}

export interface LoopPeers {
  readonly clock: FakeClock;
  readonly net: LoopNetwork;
  readonly alice: Peer;
  readonly bob: Peer;
  /** Disposes both layers and transports. */
  dispose(): Promise<void>;
}

export function createLoopPeers(options: { protocol?: 'udp' | 'tcp'; timers?: TimerBase } = {}): LoopPeers {
  const protocol = options.protocol ?? 'udp';
  const clock = new FakeClock();
  const net = new LoopNetwork(clock);
  const peer = (name: string): Peer => {
    const transport = new SipTransportLayer();
    transport.addTransport(
      net.createTransport({ host: `${name}.loop`, port: 5060, protocol, onMessage: transport.receive, connectionClosed: transport.connectionClosed }),
    );
    const p: Peer = {
      name,
      address: { protocol, host: `${name}.loop`, port: 5060 },
      transport,
      layer: undefined as unknown as TransactionLayer,
      requests: [],
      acks: [],
      cancels: [],
      strays: [],
      onRequest: undefined,
      onCancel: undefined,
      onAck: undefined,
    };
    (p as { layer: TransactionLayer }).layer = new TransactionLayer(
      transport,
      {
        onRequest: (request, tx) => {
          p.requests.push({ request, tx });
          p.onRequest?.(request, tx);
        },
        onAck: (ack, flow) => {
          p.acks.push(ack);
          p.onAck?.(ack, flow);
        },
        onCancel: (cancel, invite) => {
          p.cancels.push({ cancel, invite });
          p.onCancel?.(cancel, invite);
        },
        onStrayResponse: (response) => p.strays.push(response),
      },
      { clock, ...(options.timers ? { timers: options.timers } : {}) },
    );
    return p;
  };
  const alice = peer('alice');
  const bob = peer('bob');
  return {
    clock,
    net,
    alice,
    bob,
    async dispose() {
      alice.layer.dispose();
      bob.layer.dispose();
      await alice.transport.dispose();
      await bob.transport.dispose();
    },
  };
}

/** A request from alice to bob (a new Call-ID and From tag unless given). */
export function requestTo(
  to: { readonly name: string; readonly address: { readonly host: string } },
  method: string,
  o: { callId?: string; fromTag?: string; cseq?: number; toTag?: string; body?: string } = {},
): SipRequest {
  const toAddr = parseNameAddr(`<sip:${to.name}@${to.address.host}>`);
  if (o.toTag !== undefined) toAddr.tag = o.toTag;
  return createRequest({
    method,
    uri: `sip:${to.name}@${to.address.host}`,
    from: parseNameAddr(`<sip:alice@alice.loop>;tag=${o.fromTag ?? newTag()}`),
    to: toAddr,
    callId: o.callId ?? newCallId(),
    cseq: o.cseq ?? 1,
    ...(o.body !== undefined ? { body: o.body, contentType: 'text/plain' } : {}),
  });
}

/** A response from a server transaction's request, with a To tag for non-100 responses. */
export function reply(tx: ServerTransaction, status: number, toTag = 'bobtag'): SipResponse {
  return createResponse(tx.request, status, undefined, status === 100 ? {} : { toTag });
}

/** Records what a client transaction tells its TU. */
export function recorder(): ClientTransactionUser & {
  statuses: number[];
  responses: SipResponse[];
  timeouts: number;
  errors: TransportError[];
  terminated: number;
} {
  const r = {
    statuses: [] as number[],
    responses: [] as SipResponse[],
    timeouts: 0,
    errors: [] as TransportError[],
    terminated: 0,
    receiveResponse(res: SipResponse) {
      r.statuses.push(res.status);
      r.responses.push(res);
    },
    onRequestTimeout() {
      r.timeouts++;
    },
    onTransportError(e: TransportError) {
      r.errors.push(e);
    },
    onTerminated() {
      r.terminated++;
    },
  };
  return r;
}

/** Send times (virtual ms) of the packets whose text matches. */
export function sendTimes(net: LoopNetwork, pattern: RegExp, includeDropped = true): number[] {
  return net.log.filter((p: LoopPacket) => pattern.test(p.text) && (includeDropped || !p.dropped)).map((p) => p.sentAt);
}

/** Lets rejected sends (transport errors) reach their handlers. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

export type { Flow };
