/**
 * Building requests and responses from scratch. `createResponse` follows RFC 3261 §8.2.6:
 * Via, From, Call-ID, CSeq copied; To copied with a tag added when asked; Timestamp echoed in 100
 * (§8.2.6.1); Record-Route copied into responses that may create a dialog (§12.1.1).
 */
import { DEFAULT_MAX_FORWARDS, METHODS, reasonPhrase } from './constants';
import { formatCSeq } from './headers/cseq';
import type { Via } from './headers/via';
import { SipRequest, SipResponse, type HeaderInit } from './message';
import type { NameAddr } from './name-addr';
import { parseUri, type Uri } from './uri';

export interface RequestOptions {
  readonly method: string;
  readonly uri: Uri | string;
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly callId: string;
  readonly cseq: number;
  /** Topmost first. The transport may add or replace it when it sends. */
  readonly via?: Via | readonly Via[];
  /** Default 70 (§8.1.1.6). */
  readonly maxForwards?: number;
  readonly contact?: NameAddr | readonly NameAddr[];
  readonly routes?: readonly NameAddr[];
  /** Extra fields, after the standard ones and before Content-Type. */
  readonly headers?: HeaderInit;
  readonly body?: Buffer | string;
  readonly contentType?: string;
}

/** A new request with the §8.1.1 header fields in conventional order. */
export function createRequest(o: RequestOptions): SipRequest {
  const r = new SipRequest(o.method, typeof o.uri === 'string' ? parseUri(o.uri) : o.uri);
  if (o.via !== undefined) {
    const vias = Array.isArray(o.via) ? (o.via as readonly Via[]) : [o.via as Via];
    for (const v of vias) r.append('Via', v.toString());
  }
  r.append('Max-Forwards', String(o.maxForwards ?? DEFAULT_MAX_FORWARDS));
  for (const route of o.routes ?? []) r.append('Route', route.toString());
  r.append('From', o.from.toString());
  r.append('To', o.to.toString());
  r.append('Call-ID', o.callId);
  r.append('CSeq', formatCSeq({ seq: o.cseq, method: o.method }));
  if (o.contact !== undefined) {
    const contacts = Array.isArray(o.contact) ? (o.contact as readonly NameAddr[]) : [o.contact as NameAddr];
    for (const c of contacts) r.append('Contact', c.toString());
  }
  for (const [n, v] of o.headers ?? []) r.append(n, v);
  if (o.body !== undefined) r.setBody(o.body, o.contentType);
  return r;
}

export interface ResponseOptions {
  /** Tag to put in To when the request's To has none (§8.2.6.2). */
  readonly toTag?: string;
  /** Extra fields appended after the copied ones. */
  readonly headers?: HeaderInit;
  readonly body?: Buffer | string;
  readonly contentType?: string;
  /**
   * Copy Record-Route (§12.1.1). Default: for 101–299 responses to INVITE, SUBSCRIBE, REFER and
   * NOTIFY, the requests that can create a dialog.
   */
  readonly copyRecordRoute?: boolean;
}

const DIALOG_CREATING: ReadonlySet<string> = new Set([METHODS.INVITE, METHODS.SUBSCRIBE, METHODS.REFER, METHODS.NOTIFY]);

/** A response to `request` per RFC 3261 §8.2.6. */
export function createResponse(request: SipRequest, status: number, reason?: string, o: ResponseOptions = {}): SipResponse {
  const res = new SipResponse(status, reason ?? reasonPhrase(status));
  // §8.2.6.2: Via values equal the request's, same order; From, Call-ID, CSeq equal.
  for (const v of request.getAll('Via')) res.append('Via', v);
  const rr =
    o.copyRecordRoute ?? (status > 100 && status < 300 && DIALOG_CREATING.has(request.method));
  if (rr) for (const v of request.getAll('Record-Route')) res.append('Record-Route', v);
  res.append('From', request.get('From') ?? '');
  const to = request.to;
  if (o.toTag !== undefined && to.tag === undefined) {
    const tagged = to.clone();
    tagged.tag = o.toTag;
    res.append('To', tagged.toString());
  } else {
    res.append('To', request.get('To') ?? '');
  }
  res.append('Call-ID', request.callId);
  res.append('CSeq', request.get('CSeq') ?? formatCSeq(request.cseq));
  // §8.2.6.1: a 100 (Trying) copies Timestamp.
  if (status === 100) {
    const ts = request.get('Timestamp');
    if (ts !== undefined) res.append('Timestamp', ts);
  }
  for (const [n, v] of o.headers ?? []) res.append(n, v);
  if (o.body !== undefined) res.setBody(o.body, o.contentType);
  return res;
}
