/**
 * Dialog identifiers (RFC 3261 §12): a dialog is named by its Call-ID, the local tag and the
 * remote tag. Each side sees the same dialog with the two tags swapped; the key here is always
 * from our side. Call-IDs and tags compare case-sensitively (§20.8, §19.3).
 */
import type { SipRequest, SipResponse } from '../sip';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** A string key for maps; the parts cannot hold a line feed, so the join is unambiguous. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

export function dialogIdEquals(a: DialogId, b: DialogId): boolean {
  return a.callId === b.callId && a.localTag === b.localTag && a.remoteTag === b.remoteTag;
}

/**
 * §12.1.2: as UAC, "the call identifier … MUST be set to the value of the Call-ID in the
 * request. The local tag MUST be set to the value of the tag in the From header field in the
 * request, and the remote tag MUST be set to the value of the tag in the To header field of the
 * response. … If the value of the remote or local tags is null, the tag value SHOULD be set to
 * the empty string" (for RFC 2543 peers).
 */
export function uacDialogId(request: SipRequest, response: SipResponse): DialogId {
  return { callId: request.callId, localTag: request.fromTag ?? '', remoteTag: response.toTag ?? '' };
}

/**
 * §12.1.1: as UAS, "the local tag MUST be set to the value of the To tag in the response to
 * the request, and the remote tag MUST be set to the value of the From tag in the request".
 */
export function uasDialogId(request: SipRequest, localTag: string): DialogId {
  return { callId: request.callId, localTag, remoteTag: request.fromTag ?? '' };
}

/**
 * §12.2.2: the dialog an incoming request names — Call-ID, our tag in To, theirs in From.
 * Undefined for a request without a To tag (it is outside any dialog).
 */
export function incomingDialogId(request: SipRequest): DialogId | undefined {
  const localTag = request.toTag;
  if (localTag === undefined) return undefined;
  return { callId: request.callId, localTag, remoteTag: request.fromTag ?? '' };
}
