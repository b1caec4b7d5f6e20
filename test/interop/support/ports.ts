/**
 * Free loopback ports for one run of a fixture, picked at random in a high range and checked by
 * binding them (UDP and TCP both, since SIP servers share one number for the two). Ports handed
 * out in this worker are remembered so two fixtures never get the same one.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 60_000;
const handedOut = new Set<number>();

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

async function rangeFree(first: number, count: number): Promise<boolean> {
  for (let p = first; p < first + count; p++) {
    if (handedOut.has(p)) return false;
    if (!(await udpFree(p)) || !(await tcpFree(p))) return false;
  }
  return true;
}

/**
 * `count` consecutive ports free for both UDP and TCP on 127.0.0.1; returns the first. An even
 * first port, so RTP/RTCP pairs line up.
 */
export async function freePorts(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = LOW + 2 * Math.floor((Math.random() * (HIGH - LOW - count)) / 2);
    if (await rangeFree(first, count)) {
      for (let p = first; p < first + count; p++) handedOut.add(p);
      return first;
    }
  }
  throw new Error(`no ${count} free consecutive loopback ports found in ${LOW}-${HIGH}`);
}

export function freePort(): Promise<number> {
  return freePorts(1);
}
