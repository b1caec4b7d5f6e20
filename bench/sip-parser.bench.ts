/**
 * SIP parser benchmark: parse each corpus message and read its routing fields (From/To tags,
 * every Via branch, CSeq, Call-ID, first Contact URI) with Parley, SIP.js, JsSIP and the `sip`
 * package. All parsers must agree on every field before timing starts. A floor splits the same
 * bytes into lines. Goal: Parley ≥ 2× the fastest peer.
 */
import { createRequire } from 'node:module';
import { Parser as SipJsParser } from 'sip.js/lib/core/messages/parser.js';
import { parseMessage } from '../src-main/sip/parser';
import { serializeMessage } from '../src-main/sip/serializer';
import type { SipMessage } from '../src-main/sip/message';
import { CORPUS } from './sip-corpus';
import { fmt, measureRate, table } from './measure';

export const title = 'SIP parser: parse + read routing headers';

const require = createRequire(import.meta.url);
const JsSipParser = require('jssip/lib/Parser') as { parseMessage(data: string, ua: unknown): any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const sipPkg = require('sip') as { parse(data: string | Buffer): any }; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Fields {
  fromTag: string | undefined;
  toTag: string | undefined;
  branches: string[];
  seq: number;
  method: string;
  callId: string;
  contact: string | undefined;
}

type Reader = (bytes: Buffer, text: string) => Fields;

const silentLogger = { error() {}, warn() {}, log() {}, debug() {} };

/* eslint-disable @typescript-eslint/no-explicit-any */
const readers: Record<string, Reader> = {
  parley: (bytes) => {
    const m: SipMessage = parseMessage(bytes);
    return {
      fromTag: m.from.tag,
      toTag: m.to.tag,
      branches: m.vias.map((v) => v.branch ?? ''),
      seq: m.cseq.seq,
      method: m.cseq.method,
      callId: m.callId,
      contact: m.contacts[0]?.uri.toString(),
    };
  },
  'sip.js': (_b, text) => {
    const m: any = SipJsParser.parseMessage(text, silentLogger as any);
    const n = m.getHeaders('via').length;
    const branches: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = m.parseHeader('via', i);
      branches.push(v.branch ?? '');
    }
    const c = m.hasHeader('contact') ? m.parseHeader('contact') : undefined;
    return {
      fromTag: m.fromTag,
      toTag: m.toTag,
      branches,
      seq: m.cseq,
      method: m.method,
      callId: m.callId,
      contact: c?.uri.toString(),
    };
  },
  jssip: (_b, text) => {
    const m: any = JsSipParser.parseMessage(text, {});
    const n = m.getHeaders('via').length;
    const branches: string[] = [];
    for (let i = 0; i < n; i++) branches.push(m.parseHeader('via', i).branch ?? '');
    const c = m.hasHeader('contact') ? m.parseHeader('contact') : undefined;
    return {
      fromTag: m.from_tag,
      toTag: m.to_tag,
      branches,
      seq: m.cseq,
      method: m.method,
      callId: m.call_id,
      contact: c?.uri.toString(),
    };
  },
  sip: (bytes) => {
    const m: any = sipPkg.parse(bytes);
    const h = m.headers;
    return {
      fromTag: h.from.params.tag,
      toTag: h.to.params.tag,
      branches: h.via.map((v: any) => v.params.branch ?? ''),
      seq: h.cseq.seq,
      method: h.cseq.method,
      callId: h['call-id'],
      contact: h.contact?.[0]?.uri,
    };
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

// Peers print URIs in their own way (ports, param case); compare the URI's identity.
const normUri = (u: string | undefined): string | undefined => u?.toLowerCase().replace(/:5060(?=;|$)/, '');

function checkAgreement(messages: readonly (readonly [string, Buffer, string])[]): void {
  for (const [name, bytes, text] of messages) {
    const expected = readers.parley!(bytes, text);
    for (const [peer, read] of Object.entries(readers)) {
      let got: Fields;
      try {
        got = read(bytes, text);
      } catch (e) {
        throw new Error(`bench: ${peer} failed to parse "${name}": ${String(e)}`);
      }
      const a = JSON.stringify({ ...expected, contact: normUri(expected.contact) });
      const b = JSON.stringify({ ...got, contact: normUri(got.contact) });
      if (a !== b) throw new Error(`bench: ${peer} disagrees on "${name}":\n  parley ${a}\n  ${peer} ${b}`);
    }
  }
}

export async function run(): Promise<void> {
  const messages = Object.entries(CORPUS).map(([k, v]) => [k, Buffer.from(v, 'utf8'), v] as const);
  checkAgreement(messages);
  let sink = 0;
  const rows: [string, number][] = [];
  rows.push([
    'floor: split lines',
    measureRate(() => {
      for (const [, bytes] of messages) sink += bytes.toString('utf8').split('\r\n').length;
      return messages.length;
    }).perSecond,
  ]);
  for (const [peer, read] of Object.entries(readers)) {
    const rate = measureRate(() => {
      for (const [, bytes, text] of messages) sink += read(bytes, text).branches.length;
      return messages.length;
    });
    rows.push([peer, rate.perSecond]);
  }
  const peers = rows.filter(([n]) => n !== 'parley' && !n.startsWith('floor'));
  const fastestPeer = Math.max(...peers.map(([, r]) => r));
  const parley = rows.find(([n]) => n === 'parley')![1];
  console.log(
    table(
      ['parser', 'messages/s', 'vs fastest peer'],
      rows.map(([n, r]) => [n, fmt(r), (r / fastestPeer).toFixed(2) + '×']),
    ),
  );
  // Serialization: parsed messages back to bytes (after one edit so nothing is cached).
  const parsed = messages.map(([, b]) => parseMessage(b));
  const ser = measureRate(() => {
    for (const m of parsed) sink += serializeMessage(m).length;
    return parsed.length;
  });
  console.log(`serialize: ${fmt(ser.perSecond)} messages/s`);
  console.log(`parley / fastest peer: ${(parley / fastestPeer).toFixed(2)}× (goal ≥ 2×)${sink < 0 ? '' : ''}`);
}
