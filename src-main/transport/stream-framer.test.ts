import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StreamFramer, contentLengthOf, type FrameEvent } from './stream-framer';

function msg(body: string, extra = ''): string {
  return (
    'MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n' +
    'Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1\r\n' +
    extra +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body
  );
}

function describeEvents(events: FrameEvent[]): string[] {
  return events.map((e) => (e.kind === 'message' ? `message:${Buffer.from(e.bytes).toString('utf8')}` : e.kind));
}

describe('StreamFramer (RFC 3261 §18.3, RFC 5626 §4.4.1)', () => {
  it('cuts back-to-back messages by Content-Length', () => {
    const f = new StreamFramer();
    const a = msg('hello');
    const b = msg('');
    expect(describeEvents(f.push(Buffer.from(a + b)))).toEqual([`message:${a}`, `message:${b}`]);
    expect(f.buffered).toBe(0);
  });

  it('reads the compact form l: and multi-byte bodies', () => {
    const body = 'grüße 🎉';
    const text = `MESSAGE sip:x SIP/2.0\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const f = new StreamFramer();
    expect(describeEvents(f.push(Buffer.from(text)))).toEqual([`message:${text}`]);
  });

  it('delivers the same messages for every way of splitting the stream into chunks', () => {
    const stream = Buffer.from(msg('first body') + '\r\n\r\n' + msg('') + msg('x'.repeat(300), 'Subject: s\r\n'));
    const expected = ['message:' + msg('first body'), 'ping', 'message:' + msg(''), 'message:' + msg('x'.repeat(300), 'Subject: s\r\n')];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }), (cuts) => {
        const points = [...new Set(cuts)].sort((x, y) => x - y);
        const f = new StreamFramer();
        const events: FrameEvent[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          events.push(...f.push(stream.subarray(prev, p)));
          prev = p;
        }
        expect(describeEvents(events)).toEqual(expected);
        expect(f.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('reports a ping for a double CRLF between messages', () => {
    const f = new StreamFramer();
    expect(describeEvents(f.push(Buffer.from('\r\n\r\n')))).toEqual(['ping']);
  });

  it('waits on a lone CRLF until it knows whether a ping follows', () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from('\r\n'))).toEqual([]);
    expect(describeEvents(f.push(Buffer.from('\r\n')))).toEqual(['ping']);
  });

  it('reads a lone CRLF as the pong after our own ping', () => {
    const f = new StreamFramer();
    f.expectPong();
    expect(describeEvents(f.push(Buffer.from('\r\n')))).toEqual(['pong']);
  });

  it('ignores a stray CRLF before a start-line (RFC 3261 §7.5)', () => {
    const f = new StreamFramer();
    expect(describeEvents(f.push(Buffer.from('\r\n' + msg('a'))))).toEqual(['message:' + msg('a')]);
  });

  it('fails with transport.too-large when a message exceeds the limit, then stays silent', () => {
    const f = new StreamFramer({ maxMessageBytes: 200 });
    const events = f.push(Buffer.from(msg('y'.repeat(500))));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'error', code: 'transport.too-large' });
    expect(f.push(Buffer.from(msg('')))).toEqual([]);
  });

  it('fails with transport.too-large when a header section never ends', () => {
    const f = new StreamFramer({ maxMessageBytes: 100 });
    expect(f.push(Buffer.from('INVITE sip:x SIP/2.0\r\n'))).toEqual([]);
    const events = f.push(Buffer.from('X-Long: ' + 'z'.repeat(200)));
    expect(events[0]).toMatchObject({ kind: 'error', code: 'transport.too-large' });
  });

  it('fails with the header section when Content-Length is not a number', () => {
    const f = new StreamFramer();
    const head = 'MESSAGE sip:x SIP/2.0\r\nContent-Length: ten\r\n\r\n';
    const [e] = f.push(Buffer.from(head + 'body'));
    expect(e).toMatchObject({ kind: 'error', reason: 'invalid Content-Length on a stream' });
    expect(e?.kind === 'error' && Buffer.from(e.headers ?? []).toString()).toBe(head);
  });

  it('treats a missing Content-Length as an empty body', () => {
    const f = new StreamFramer();
    const text = 'OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n';
    expect(describeEvents(f.push(Buffer.from(text)))).toEqual([`message:${text}`]);
  });
});

describe('contentLengthOf', () => {
  it('returns undefined when absent, null when two values disagree', () => {
    expect(contentLengthOf('A: b\r\n')).toBeUndefined();
    expect(contentLengthOf('Content-Length: 3\r\nl: 4\r\n')).toBeNull();
    expect(contentLengthOf('content-length :  12 \r\n')).toBe(12);
  });
});
