/** The SIP message layer's public surface (see each module for details). */
export * from './constants';
export { SipMessage, SipRequest, SipResponse, isRequest, isResponse, type HeaderField, type HeaderInit, type HeaderValue, type CSeq } from './message';
export { createRequest, createResponse, type RequestOptions, type ResponseOptions } from './builders';
export { parseMessage, type ParseOptions } from './parser';
export { SipMessageError, badRequestReason, parseErrorStatus } from './parse-error';
export { serializeMessage, messageToString } from './serializer';
export { frameLength, leadingCrlfLength } from './framing';
export { headerKey } from './header-names';
export { Params, parseParams, type Param } from './params';
export { SipUri, TelUri, AbsoluteUri, parseUri, uriEquals, type Uri } from './uri';
export { NameAddr, parseNameAddr } from './name-addr';
export { Via, parseVias } from './headers/via';
export { parseCSeq, formatCSeq, MAX_CSEQ } from './headers/cseq';
export { parseContacts, contactExpires, contactQ, formatContacts, type ContactValue } from './headers/contact';
export { parseRoutes, formatRoutes } from './headers/route';
