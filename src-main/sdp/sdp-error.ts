import { ParleyError } from '../base/errors';

/**
 * Malformed session description text or a model that cannot be written. `line` is the 1-based
 * line number of the fault in the text when there is one. Negotiation outcomes (no common
 * codec, SRTP refused) are not errors: they are `NegotiationFailure` values.
 */
export class SdpError extends ParleyError {
  readonly code = 'sdp.invalid';

  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `${message} (line ${line})`);
  }
}
