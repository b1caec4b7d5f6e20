import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/**
 * The local IP address the OS would use to reach `host` (a UDP "connect" sends nothing; it
 * only selects the route). Used for Via and Contact when listening on a wildcard address.
 * Falls back to the loopback address of the right family when there is no route.
 */
export async function localAddressToward(host: string): Promise<string> {
  let ip = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(ip) === 0) {
    try {
      ip = (await lookup(ip)).address;
    } catch {
      return '127.0.0.1';
    }
  }
  const family = isIP(ip) === 6 ? 'udp6' : 'udp4';
  const socket = createSocket(family);
  try {
    return await new Promise<string>((resolve) => {
      socket.once('error', () => resolve(family === 'udp6' ? '::1' : '127.0.0.1'));
      socket.connect(9, ip, () => resolve(socket.address().address));
    });
  } finally {
    socket.close();
  }
}
