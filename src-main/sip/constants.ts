/**
 * SIP protocol constants in one place, each with its source. Logic reads
 * `status === STATUS.REQUEST_TERMINATED`, never `487`.
 */

/** Request methods: RFC 3261 §27.4 plus extensions (3262, 3265/6665, 3311, 3428, 3515, 3903, 6086). */
export const METHODS = {
  INVITE: 'INVITE',
  ACK: 'ACK',
  BYE: 'BYE',
  CANCEL: 'CANCEL',
  OPTIONS: 'OPTIONS',
  REGISTER: 'REGISTER',
  PRACK: 'PRACK', // RFC 3262
  SUBSCRIBE: 'SUBSCRIBE', // RFC 6665
  NOTIFY: 'NOTIFY', // RFC 6665
  PUBLISH: 'PUBLISH', // RFC 3903
  INFO: 'INFO', // RFC 6086
  REFER: 'REFER', // RFC 3515
  MESSAGE: 'MESSAGE', // RFC 3428
  UPDATE: 'UPDATE', // RFC 3311
} as const;

export type KnownMethod = (typeof METHODS)[keyof typeof METHODS];

/** Named status codes: RFC 3261 §21 and the extensions that define the others (in comments). */
export const STATUS = {
  TRYING: 100,
  RINGING: 180,
  CALL_IS_BEING_FORWARDED: 181,
  QUEUED: 182,
  SESSION_PROGRESS: 183,
  EARLY_DIALOG_TERMINATED: 199, // RFC 6228
  OK: 200,
  ACCEPTED: 202, // RFC 3265 (deprecated by 6665 for SUBSCRIBE, still used by REFER)
  NO_NOTIFICATION: 204, // RFC 5839
  MULTIPLE_CHOICES: 300,
  MOVED_PERMANENTLY: 301,
  MOVED_TEMPORARILY: 302,
  USE_PROXY: 305,
  ALTERNATIVE_SERVICE: 380,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  PROXY_AUTHENTICATION_REQUIRED: 407,
  REQUEST_TIMEOUT: 408,
  GONE: 410,
  CONDITIONAL_REQUEST_FAILED: 412, // RFC 3903
  REQUEST_ENTITY_TOO_LARGE: 413,
  REQUEST_URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_URI_SCHEME: 416,
  UNKNOWN_RESOURCE_PRIORITY: 417, // RFC 4412
  BAD_EXTENSION: 420,
  EXTENSION_REQUIRED: 421,
  SESSION_INTERVAL_TOO_SMALL: 422, // RFC 4028
  INTERVAL_TOO_BRIEF: 423,
  BAD_LOCATION_INFORMATION: 424, // RFC 6442
  USE_IDENTITY_HEADER: 428, // RFC 4474
  PROVIDE_REFERRER_IDENTITY: 429, // RFC 3892
  FLOW_FAILED: 430, // RFC 5626
  ANONYMITY_DISALLOWED: 433, // RFC 5079
  BAD_IDENTITY_INFO: 436, // RFC 4474
  UNSUPPORTED_CERTIFICATE: 437, // RFC 4474
  INVALID_IDENTITY_HEADER: 438, // RFC 4474
  FIRST_HOP_LACKS_OUTBOUND_SUPPORT: 439, // RFC 5626
  MAX_BREADTH_EXCEEDED: 440, // RFC 5393
  BAD_INFO_PACKAGE: 469, // RFC 6086
  CONSENT_NEEDED: 470, // RFC 5360
  TEMPORARILY_UNAVAILABLE: 480,
  CALL_TRANSACTION_DOES_NOT_EXIST: 481,
  LOOP_DETECTED: 482,
  TOO_MANY_HOPS: 483,
  ADDRESS_INCOMPLETE: 484,
  AMBIGUOUS: 485,
  BUSY_HERE: 486,
  REQUEST_TERMINATED: 487,
  NOT_ACCEPTABLE_HERE: 488,
  BAD_EVENT: 489, // RFC 6665
  REQUEST_PENDING: 491,
  UNDECIPHERABLE: 493,
  SECURITY_AGREEMENT_REQUIRED: 494, // RFC 3329
  SERVER_INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  SERVER_TIMEOUT: 504,
  VERSION_NOT_SUPPORTED: 505,
  MESSAGE_TOO_LARGE: 513,
  PRECONDITION_FAILURE: 580, // RFC 3312
  BUSY_EVERYWHERE: 600,
  DECLINE: 603,
  DOES_NOT_EXIST_ANYWHERE: 604,
  NOT_ACCEPTABLE_GLOBAL: 606,
  UNWANTED: 607, // RFC 8197
} as const;

/** Default reason phrases (RFC 3261 §21 and the RFCs named in STATUS). */
export const REASON_PHRASE: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  412: 'Conditional Request Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  417: 'Unknown Resource-Priority',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  424: 'Bad Location Information',
  428: 'Use Identity Header',
  429: 'Provide Referrer Identity',
  430: 'Flow Failed',
  433: 'Anonymity Disallowed',
  436: 'Bad Identity-Info',
  437: 'Unsupported Certificate',
  438: 'Invalid Identity Header',
  439: 'First Hop Lacks Outbound Support',
  440: 'Max-Breadth Exceeded',
  469: 'Bad Info Package',
  470: 'Consent Needed',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  494: 'Security Agreement Required',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  580: 'Precondition Failure',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
};

/** The reason phrase for a status, falling back to the class name (§21: x00 of its class). */
export function reasonPhrase(status: number): string {
  return REASON_PHRASE[status] ?? REASON_PHRASE[Math.floor(status / 100) * 100] ?? 'Unknown';
}

/**
 * Compact header forms (RFC 3261 §7.3.3 and the extensions that define them), lower-case letter
 * to the long name.
 */
export const COMPACT_FORM: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  r: 'Refer-To', // RFC 3515
  b: 'Referred-By', // RFC 3892
  o: 'Event', // RFC 6665 (RFC 3265)
  u: 'Allow-Events', // RFC 6665 (RFC 3265)
  a: 'Accept-Contact', // RFC 3841
  j: 'Reject-Contact', // RFC 3841
  d: 'Request-Disposition', // RFC 3841
  x: 'Session-Expires', // RFC 4028
  y: 'Identity', // RFC 8224 (RFC 4474)
  n: 'Identity-Info', // RFC 4474 (withdrawn by RFC 8224, still seen)
};

/** RFC 3261 §8.1.1.7: branch IDs of RFC 3261 elements start with this cookie ("z9hG4bK"). */
export { BRANCH_MAGIC_COOKIE } from '../base/random-ids';

/** The only protocol version we speak (§7.1). */
export const SIP_VERSION = 'SIP/2.0';

/** Largest message we accept or build, in bytes (headers and body). */
export const MAX_MESSAGE_BYTES = 65536;

/** Most header fields (lines) we accept in one message. */
export const MAX_HEADERS = 256;

/** RFC 3261 §8.1.1.6: the Max-Forwards a UAC puts in a new request. */
export const DEFAULT_MAX_FORWARDS = 70;

/**
 * Headers whose values are never split on commas by `getAll`: their grammar holds commas that
 * do not separate values (auth parameter lists, dates, free text), or they are single-valued.
 */
export const NON_LIST_HEADERS: ReadonlySet<string> = new Set([
  'www-authenticate',
  'authorization',
  'proxy-authenticate',
  'proxy-authorization',
  'authentication-info',
  'date',
  'retry-after',
  'expires',
  'min-expires',
  'subject',
  'organization',
  'user-agent',
  'server',
  'call-id',
  'cseq',
  'content-length',
  'content-type',
  'content-disposition',
  'max-forwards',
  'timestamp',
  'mime-version',
  'priority',
  'from',
  'to',
  'reply-to',
  'refer-to',
  'referred-by',
  'event',
  'subscription-state',
  'session-expires',
  'min-se',
  'rseq',
  'rack',
  'sip-etag',
  'sip-if-match',
  'identity',
  'identity-info',
  'replaces',
]);
