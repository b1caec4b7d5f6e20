/**
 * A message to bytes (RFC 3261 §7). Header fields print as `Name: value` in order, with
 * Content-Length set to the body's length: an existing field is corrected in place (keeping its
 * name, e.g. compact `l`), otherwise one is appended. A parsed message in canonical form prints
 * back byte for byte.
 */
import { ValidationError } from '../base/errors';
import { MAX_MESSAGE_BYTES } from './constants';
import type { SipMessage } from './message';

/** The head (start line, header fields and the empty line) as a string. */
function headText(msg: SipMessage): string {
  const names = msg._names;
  const values = msg._values;
  const keys = msg._keys;
  const bodyLen = msg.body.length;
  let out = msg.startLine() + '\r\n';
  let sawLength = false;
  for (let i = 0; i < names.length; i++) {
    if (keys[i] === 'content-length') {
      if (sawLength) continue; // one Content-Length only
      sawLength = true;
      const v = values[i]!;
      out += names[i]! + ': ' + (v === String(bodyLen) ? v : String(bodyLen)) + '\r\n';
      continue;
    }
    out += names[i]! + ': ' + values[i]! + '\r\n';
  }
  if (!sawLength) out += 'Content-Length: ' + bodyLen + '\r\n';
  return out + '\r\n';
}

/** Serializes a message. Throws ValidationError if it would exceed MAX_MESSAGE_BYTES. */
export function serializeMessage(msg: SipMessage): Buffer {
  const head = headText(msg);
  const body = msg.body;
  const headLen = Buffer.byteLength(head, 'utf8');
  if (headLen + body.length > MAX_MESSAGE_BYTES) {
    throw new ValidationError(`SIP message of ${headLen + body.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  }
  const out = Buffer.allocUnsafe(headLen + body.length);
  out.write(head, 0, 'utf8');
  body.copy(out, headLen);
  return out;
}

/** The message as text (body decoded as UTF-8), for logs and tests. */
export function messageToString(msg: SipMessage): string {
  return headText(msg) + msg.body.toString('utf8');
}
