import { describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest } from '../sip';
import { inspectRequest, optionsResponse, rejectionResponse, type UasCapabilities } from './uas-core';

const caps: UasCapabilities = {
  methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'MESSAGE', 'NOTIFY'],
  accept: ['application/sdp', 'text/plain'],
  supported: ['replaces', 'timer'],
  events: ['presence'],
  userAgent: 'Parley/test',
};

function req(method: string, extra = '', body = '', toTag = ''): SipRequest {
  const text =
    `${method} sip:bob@192.0.2.4 SIP/2.0\r\n` +
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n' +
    'Max-Forwards: 70\r\n' +
    `To: <sip:bob@example.org>${toTag ? ';tag=' + toTag : ''}\r\n` +
    'From: <sip:alice@example.org>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710\r\n' +
    `CSeq: 1 ${method}\r\n` +
    extra +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body;
  return parseMessage(text) as SipRequest;
}
const noDialog = () => false;

describe('UAS request inspection (RFC 3261 §8.2)', () => {
  it('lets a supported request through', () => {
    expect(inspectRequest(req('MESSAGE', 'Content-Type: text/plain\r\n', 'hi'), caps, noDialog)).toBeUndefined();
  });

  it('answers 405 with Allow for a known but unsupported method (§8.2.1)', () => {
    const r = inspectRequest(req('PUBLISH'), caps, noDialog);
    expect(r).toMatchObject({ status: 405, headers: [['Allow', caps.methods.join(', ')]] });
  });

  it('answers 501 for a method no RFC defines (§21.5.2)', () => {
    expect(inspectRequest(req('FOOBAR'), caps, noDialog)?.status).toBe(501);
  });

  it('answers 481 to an in-dialog request for an unknown dialog (§12.2.2)', () => {
    expect(inspectRequest(req('BYE', '', '', 'abc'), caps, noDialog)?.status).toBe(481);
    expect(inspectRequest(req('BYE', '', '', 'abc'), caps, () => true)).toBeUndefined();
  });

  it('answers 420 listing the unsupported option tags (§8.2.2.3)', () => {
    const r = inspectRequest(req('INVITE', 'Require: timer, foo, bar\r\n'), caps, noDialog);
    expect(r).toMatchObject({ status: 420, headers: [['Unsupported', 'foo, bar']] });
  });

  it('answers 415 with Accept for a body type it does not understand (§8.2.3)', () => {
    const r = inspectRequest(req('MESSAGE', 'Content-Type: application/x-weird\r\n', 'x'), caps, noDialog);
    expect(r).toMatchObject({ status: 415, headers: [['Accept', 'application/sdp, text/plain']] });
    expect(inspectRequest(req('MESSAGE', 'Content-Type: text/plain\r\nContent-Encoding: gzip\r\n', 'x'), caps, noDialog)?.status).toBe(415);
  });

  it('answers 489 with Allow-Events to a SUBSCRIBE for an unknown package (RFC 6665 §4.2.1.1)', () => {
    const c = { ...caps, methods: [...caps.methods, 'SUBSCRIBE'] };
    expect(inspectRequest(req('SUBSCRIBE', 'Event: dialog\r\n'), c, noDialog)).toMatchObject({ status: 489, headers: [['Allow-Events', 'presence']] });
    expect(inspectRequest(req('SUBSCRIBE', 'Event: presence\r\n'), c, noDialog)).toBeUndefined();
  });

  it('never answers an ACK', () => {
    expect(inspectRequest(req('ACK', 'Require: foo\r\n'), caps, noDialog)).toBeUndefined();
  });

  it('builds the rejection with a To tag, the Server header and the request identifiers', () => {
    const r = req('PUBLISH');
    const res = rejectionResponse(r, inspectRequest(r, caps, noDialog)!, 'tt1', 'Parley/test');
    expect(res.status).toBe(405);
    expect(res.toTag).toBe('tt1');
    expect(res.getAll('Allow')).toEqual(caps.methods);
    expect(res.get('Server')).toBe('Parley/test');
    expect(res.callId).toBe(r.callId);
    expect(res.via.branch).toBe('z9hG4bK776asdhds');
  });
});

describe('OPTIONS (RFC 3261 §11.2)', () => {
  it('answers 200 with Allow, Accept, Supported and Allow-Events', () => {
    const res = optionsResponse(req('OPTIONS'), caps, 't9');
    expect(res.status).toBe(200);
    expect(res.getAll('Allow')).toEqual(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'MESSAGE', 'NOTIFY']);
    expect(res.getAll('Accept')).toEqual(['application/sdp', 'text/plain']);
    expect(res.getAll('Supported')).toEqual(['replaces', 'timer']);
    expect(res.get('Allow-Events')).toBe('presence');
    expect(res.toTag).toBe('t9');
  });
});
