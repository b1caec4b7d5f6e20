import { describe, expect, it } from 'vitest';
import type { Direction } from './model';
import {
  answerDirection,
  effectiveDirection,
  holdSession,
  isHolding,
  resumeSession,
  reverseDirection,
} from './direction';
import { parseSdp, writeSdp } from './sdp-codec';

const offer = (conn: string, dir?: string) =>
  parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', `c=IN IP4 ${conn}`, 't=0 0', 'm=audio 4000 RTP/AVP 0', ...(dir ? [`a=${dir}`] : []), 'm=video 0 RTP/AVP 96', ''].join('\r\n'));

describe('direction rules (RFC 3264 §6.1, §8.4; RFC 6337 §5)', () => {
  const table: [Direction, Direction, Direction][] = [
    // offered, what we want, answer
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendonly', 'sendrecv', 'recvonly'],
    ['recvonly', 'sendrecv', 'sendonly'],
    ['inactive', 'sendrecv', 'inactive'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['sendonly', 'sendonly', 'inactive'],
    ['recvonly', 'sendonly', 'sendonly'],
    ['inactive', 'sendonly', 'inactive'],
    ['sendrecv', 'inactive', 'inactive'],
  ];
  for (const [offered, wanted, answer] of table) {
    it(`answers ${offered} with ${answer} when we want ${wanted}`, () => {
      expect(answerDirection(offered, wanted)).toBe(answer);
    });
  }

  it('reverses sendonly and recvonly only', () => {
    expect(['sendrecv', 'sendonly', 'recvonly', 'inactive'].map((d) => reverseDirection(d as Direction))).toEqual(['sendrecv', 'recvonly', 'sendonly', 'inactive']);
  });

  it('sees a peer holding us with sendonly, inactive or the RFC 2543 c=0.0.0.0', () => {
    const holding = (conn: string, dir?: string) => {
      const d = offer(conn, dir);
      return isHolding(d, d.media[0]!);
    };
    expect(holding('192.0.2.1')).toBe(false);
    expect(holding('192.0.2.1', 'sendrecv')).toBe(false);
    expect(holding('192.0.2.1', 'recvonly')).toBe(false);
    expect(holding('192.0.2.1', 'sendonly')).toBe(true);
    expect(holding('192.0.2.1', 'inactive')).toBe(true);
    expect(holding('0.0.0.0')).toBe(true);
    const old = offer('0.0.0.0');
    expect(effectiveDirection(old, old.media[0]!)).toBe('sendonly');
  });

  it('holds with sendonly, or inactive when the peer already holds us, and resumes with sendrecv', () => {
    const d = offer('192.0.2.1', 'sendrecv');
    expect(holdSession(d, false).media[0]!.direction).toBe('sendonly');
    expect(holdSession(d, true).media[0]!.direction).toBe('inactive');
    expect(resumeSession(holdSession(d, false)).media[0]!.direction).toBe('sendrecv');
    // Only active audio changes; the declined video m= line is untouched.
    expect(holdSession(d, false).media[1]).toBe(d.media[1]);
    expect(writeSdp(holdSession(d, false))).toContain('a=sendonly\r\n');
    expect(d.media[0]!.direction).toBe('sendrecv');
  });
});
