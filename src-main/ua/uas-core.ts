/**
 * What a UAS checks before any feature sees a request (RFC 3261 §8.2), and the answer to
 * OPTIONS (§11.2). Pure decisions: the caller sends the response.
 */
import { createResponse, METHODS, STATUS, type SipRequest, type SipResponse } from '../sip';

export interface UasCapabilities {
  /** Methods this user agent handles now (goes into Allow). */
  readonly methods: readonly string[];
  /** Body types it understands (Accept), e.g. application/sdp. */
  readonly accept: readonly string[];
  /** Option tags it supports (Supported), e.g. replaces, 100rel, timer. */
  readonly supported: readonly string[];
  /** Event packages it accepts SUBSCRIBE for (Allow-Events, RFC 6665 §8.2.2). */
  readonly events: readonly string[];
  readonly userAgent?: string;
}

/** Every method some RFC defines; anything else is unrecognised (501, §21.5.2). */
const KNOWN_METHODS = new Set<string>(Object.values(METHODS));

export interface Rejection {
  readonly status: number;
  readonly reason?: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/**
 * The §8.2 checks in their order: method (§8.2.1), Request-URI scheme (§8.2.2.1), unknown
 * dialog (§12.2.2 → 481), Require (§8.2.2.3), Content-Type and Content-Encoding (§8.2.3),
 * and Event for SUBSCRIBE (RFC 6665 §4.2.1.1 → 489). Returns undefined when the request may
 * proceed. ACK never gets a response (§17.2.3); CANCEL is matched by the transaction layer.
 */
export function inspectRequest(req: SipRequest, caps: UasCapabilities, isKnownDialog: (req: SipRequest) => boolean): Rejection | undefined {
  if (req.method === METHODS.ACK) return undefined;
  const allow = caps.methods.join(', ');
  if (!caps.methods.includes(req.method)) {
    // §8.2.1: a recognised but unsupported method gets 405 with Allow; §21.5.2: 501 otherwise.
    if (KNOWN_METHODS.has(req.method)) return { status: STATUS.METHOD_NOT_ALLOWED, headers: [['Allow', allow]] };
    return { status: STATUS.NOT_IMPLEMENTED, headers: [['Allow', allow]] };
  }
  const scheme = req.uri.scheme;
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    return { status: STATUS.UNSUPPORTED_URI_SCHEME, headers: [] };
  }
  if (req.toTag !== undefined && req.method !== METHODS.CANCEL && !isKnownDialog(req)) {
    // §12.2.2: a request inside a dialog we do not know.
    return { status: STATUS.CALL_TRANSACTION_DOES_NOT_EXIST, headers: [] };
  }
  if (req.method !== METHODS.CANCEL) {
    const unsupported = optionTags(req, 'Require').filter((t) => !caps.supported.includes(t));
    if (unsupported.length > 0) return { status: STATUS.BAD_EXTENSION, headers: [['Unsupported', unsupported.join(', ')]] };
  }
  if (req.contentLength > 0) {
    const type = (req.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === '' || !caps.accept.includes(type)) {
      return { status: STATUS.UNSUPPORTED_MEDIA_TYPE, reason: type ? `Unsupported Media Type ${type}` : 'Missing Content-Type', headers: [['Accept', caps.accept.join(', ')]] };
    }
    const encodings = optionTags(req, 'Content-Encoding').filter((e) => e !== 'identity');
    if (encodings.length > 0) return { status: STATUS.UNSUPPORTED_MEDIA_TYPE, reason: 'Unsupported Content-Encoding', headers: [['Accept-Encoding', 'identity']] };
  }
  if (req.method === METHODS.SUBSCRIBE) {
    const event = (req.get('Event') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!caps.events.includes(event)) return { status: STATUS.BAD_EVENT, headers: [['Allow-Events', caps.events.join(', ')]] };
  }
  return undefined;
}

/** Builds the response for a rejection; the To tag is added for the final response (§8.2.6.2). */
export function rejectionResponse(req: SipRequest, r: Rejection, toTag: string, userAgent?: string): SipResponse {
  const headers: [string, string][] = r.headers.map(([n, v]) => [n, v]);
  if (userAgent) headers.push(['Server', userAgent]);
  const res = createResponse(req, r.status, r.reason, { toTag, headers });
  return res;
}

/**
 * The answer to an out-of-dialog OPTIONS (§11.2): 200 with Allow, Accept, Accept-Encoding,
 * Accept-Language and Supported, so a peer learns what we can do.
 */
export function optionsResponse(req: SipRequest, caps: UasCapabilities, toTag: string): SipResponse {
  const headers: [string, string][] = [
    ['Allow', caps.methods.join(', ')],
    ['Accept', caps.accept.join(', ')],
    ['Accept-Encoding', 'identity'],
    ['Accept-Language', 'en'],
    ['Supported', caps.supported.join(', ')],
  ];
  if (caps.events.length > 0) headers.push(['Allow-Events', caps.events.join(', ')]);
  if (caps.userAgent) headers.push(['Server', caps.userAgent]);
  return createResponse(req, STATUS.OK, undefined, { toTag, headers });
}

function optionTags(req: SipRequest, name: string): string[] {
  return req
    .getAll(name)
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}
