import { newCallId, newTag } from '../../src-main/base/random-ids';
import { Dialog, DialogLayer, type DialogUser, type InviteDialogs, type InviteResponseOutcome } from '../../src-main/dialog';
import { METHODS, STATUS, SipUri, createRequest, createResponse, parseNameAddr, type NameAddr, type SipRequest, type SipResponse } from '../../src-main/sip';
import type { ServerTransaction } from '../../src-main/transaction/transaction-layer';
import type { TimerBase } from '../../src-main/transaction/timers';
import type { ResolvedTarget } from '../../src-main/transport/resolver';
import type { Flow } from '../../src-main/transport/transport';
import { createLoopPeers, type LoopPeers, type Peer } from './transaction-fixture';

/**
 * alice and bob, each a transport + transaction layer (transaction-fixture.ts) with a
 * DialogLayer on top, in virtual time. Their resolvers map `<name>.loop` to that peer and any
 * other host (a record-routing proxy such as `p1.example`) to the other peer, so requests routed
 * through a "proxy" arrive at the far end with their Route headers intact, as if the proxy
 * had forwarded them.
 */
export const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

export interface DialogPeer {
  readonly name: string;
  readonly peer: Peer;
  readonly layer: DialogLayer;
  readonly aor: string;
  contact: NameAddr;
  /** Out-of-dialog requests (the INVITE that creates a dialog). */
  outOfDialog: ((request: SipRequest, tx: ServerTransaction) => void) | undefined;
  /** Where each resolved next hop went (host names asked for). */
  readonly resolved: string[];
}

export interface DialogPeers extends LoopPeers {
  readonly a: DialogPeer;
  readonly b: DialogPeer;
}

export function createDialogPeers(o: { timers?: TimerBase } = {}): DialogPeers {
  const loop = createLoopPeers(o);
  const make = (peer: Peer, other: Peer): DialogPeer => {
    const resolved: string[] = [];
    const layer = new DialogLayer({
      transactions: peer.layer,
      resolve: (uri: SipUri): Promise<ResolvedTarget[]> => {
        resolved.push(uri.host);
        const target = uri.host === `${peer.name}.loop` ? peer : other;
        return Promise.resolve([{ protocol: 'udp', host: target.address.host, port: target.address.port, serverName: uri.host }]);
      },
    });
    const dp: DialogPeer = {
      name: peer.name,
      peer,
      layer,
      aor: `sip:${peer.name}@${peer.name}.loop`,
      contact: parseNameAddr(`<sip:${peer.name}@${peer.name}.loop>`),
      outOfDialog: undefined,
      resolved,
    };
    peer.onRequest = (request, tx) => {
      if (!layer.receiveRequest(request, tx)) dp.outOfDialog?.(request, tx);
    };
    peer.onAck = (ack, flow) => layer.receiveAck(ack, flow);
    return dp;
  };
  return { ...loop, a: make(loop.alice, loop.bob), b: make(loop.bob, loop.alice) };
}

/** A DialogUser that records what it hears and answers 200 (with Contact on target refreshes). */
export function dialogRecorder(contact: NameAddr): DialogUser & { requests: SipRequest[]; acks: Array<{ ack: SipRequest; flow: Flow }>; answer: number; contact: NameAddr } {
  const r = {
    contact,
    requests: [] as SipRequest[],
    acks: [] as Array<{ ack: SipRequest; flow: Flow }>,
    answer: STATUS.OK as number,
    onRequest(request: SipRequest, tx: ServerTransaction) {
      r.requests.push(request);
      const refresh = request.method === METHODS.INVITE || request.method === METHODS.UPDATE;
      tx.respond(createResponse(request, r.answer, undefined, refresh && r.answer < 300 ? { headers: [['Contact', r.contact.toString()]] } : {}));
    },
    onAck(ack: SipRequest, flow: Flow) {
      r.acks.push({ ack, flow });
    },
  };
  return r;
}

/** alice's INVITE to bob; `recordRoute` lines are written in as the proxies on the way would. */
export function inviteFromAlice(a: DialogPeer, b: DialogPeer, recordRoute: readonly string[] = []): SipRequest {
  const invite = createRequest({
    method: METHODS.INVITE,
    uri: b.aor,
    from: parseNameAddr(`<${a.aor}>;tag=${newTag()}`),
    to: parseNameAddr(`<${b.aor}>`),
    callId: newCallId(),
    cseq: 1,
    contact: a.contact,
    body: SDP,
    contentType: 'application/sdp',
  });
  for (const rr of recordRoute) invite.append('Record-Route', rr);
  return invite;
}

export interface Established {
  readonly invite: SipRequest;
  readonly alice: Dialog;
  readonly bob: Dialog;
  readonly collector: InviteDialogs;
  readonly outcomes: InviteResponseOutcome[];
}

/**
 * INVITE / 200 / ACK from alice to bob through both transaction layers: bob's UAS dialog is made
 * from the INVITE and his 200, alice's from the 200 through an InviteDialogs collector, which
 * ACKs it. Each side's dialog user is a `dialogRecorder`.
 */
export async function establish(p: DialogPeers, o: { recordRoute?: readonly string[] } = {}): Promise<Established> {
  const { a, b } = p;
  let bobDialog: Dialog | undefined;
  b.outOfDialog = (req, tx) => {
    const res = createResponse(req, STATUS.OK, undefined, { toTag: newTag(), headers: [['Contact', b.contact.toString()]], body: SDP, contentType: 'application/sdp' });
    bobDialog = b.layer.createUas(req, res, { localContact: b.contact });
    bobDialog.user = dialogRecorder(b.contact);
    tx.respond(res);
  };
  const invite = inviteFromAlice(a, b, o.recordRoute);
  const collector = a.layer.forInvite(invite, { localContact: a.contact });
  const outcomes: InviteResponseOutcome[] = [];
  a.peer.layer.sendRequest(invite, b.peer.address, {
    receiveResponse: (res: SipResponse) => {
      const out = collector.receiveResponse(res);
      outcomes.push(out);
      if (out.kind === 'confirmed') {
        out.dialog.user = dialogRecorder(a.contact);
        void collector.acknowledge(out.dialog);
      }
    },
    onTerminated: () => collector.transactionTerminated(),
  });
  await p.clock.tick(10);
  const alice = collector.confirmed;
  if (!alice || !bobDialog) throw new Error('dialog not established');
  return { invite, alice, bob: bobDialog, collector, outcomes };
}
