import { DEFAULT_MAX_FORWARDS, METHODS, SipRequest, formatCSeq, type SipResponse } from '../sip';

/**
 * The two requests the transaction layer derives from an INVITE rather than the TU composing
 * them: the ACK for a non-2xx final response (RFC 3261 §17.1.1.3) and CANCEL (§9.1).
 */

/**
 * §17.1.1.3: "The ACK request constructed by the client transaction MUST contain values for the
 * Call-ID, From, and Request-URI that are equal to the values of those header fields in the
 * request passed to the transport by the client transaction … The To header field in the ACK
 * MUST equal the To header field in the response being acknowledged … The ACK MUST contain a
 * single Via header field, and this MUST be equal to the top Via header field of the original
 * request … The CSeq header field in the ACK MUST contain the same value for the sequence number
 * as was present in the original request, but the method parameter MUST be equal to 'ACK'. If the
 * INVITE request whose response is being acknowledged had Route header fields, those header
 * fields MUST appear in the ACK."
 */
export function buildAckForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest(METHODS.ACK, invite.uri.clone());
  ack.append('Via', invite.via.toString());
  ack.append('Max-Forwards', String(DEFAULT_MAX_FORWARDS));
  for (const route of invite.getAll('Route')) ack.append('Route', route);
  ack.append('From', invite.get('From') ?? '');
  ack.append('To', response.get('To') ?? '');
  ack.append('Call-ID', invite.callId);
  ack.append('CSeq', formatCSeq({ seq: invite.cseq.seq, method: METHODS.ACK }));
  return ack;
}

/**
 * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the
 * CANCEL request MUST be identical to those in the request being cancelled, including tags. A
 * CANCEL constructed by a client MUST have only a single Via header value matching the top Via
 * value in the request being cancelled … If the request being cancelled contains a Route header
 * field, the CANCEL request MUST include that Route header field's values."
 * The INVITE must have been sent (its top Via carries the branch the CANCEL reuses).
 */
export function buildCancel(invite: SipRequest, reason?: string): SipRequest {
  const cancel = new SipRequest(METHODS.CANCEL, invite.uri.clone());
  cancel.append('Via', invite.via.toString());
  cancel.append('Max-Forwards', String(DEFAULT_MAX_FORWARDS));
  for (const route of invite.getAll('Route')) cancel.append('Route', route);
  cancel.append('From', invite.get('From') ?? '');
  cancel.append('To', invite.get('To') ?? '');
  cancel.append('Call-ID', invite.callId);
  cancel.append('CSeq', formatCSeq({ seq: invite.cseq.seq, method: METHODS.CANCEL }));
  // RFC 3326: why the request is cancelled, e.g. 'SIP;cause=200;text="Call completed elsewhere"'.
  if (reason !== undefined) cancel.append('Reason', reason);
  return cancel;
}
