import { sameAddress, type RemoteAddress } from './datagram';

/**
 * Symmetric RTP (RFC 4961 spirit, as pjmedia and baresip do for NAT): send to where the
 * peer's authenticated packets come from. The first packet latches at once; afterwards a new
 * source must send `relatchAfter` packets in a row before we move (one stray or spoofed
 * packet cannot steal the stream). Disabled, the SDP address is kept.
 */
export class RemoteLatch {
  private current: RemoteAddress;
  private latched = false;
  private candidate: RemoteAddress | undefined;
  private candidateCount = 0;

  constructor(
    initial: RemoteAddress,
    private readonly enabled: boolean,
    private readonly relatchAfter = 3,
  ) {
    this.current = initial;
  }

  get target(): RemoteAddress {
    return this.current;
  }

  get isLatched(): boolean {
    return this.latched;
  }

  /** Replaces the target (a re-INVITE changed the SDP address); the next packet latches again. */
  reset(target: RemoteAddress): void {
    this.current = target;
    this.latched = false;
    this.candidate = undefined;
    this.candidateCount = 0;
  }

  /** Feeds the source of an accepted packet; returns true when the target changed. */
  observe(from: RemoteAddress): boolean {
    if (!this.enabled) return false;
    if (!this.latched) {
      this.latched = true;
      const changed = !sameAddress(from, this.current);
      this.current = { address: from.address, port: from.port };
      return changed;
    }
    if (sameAddress(from, this.current)) {
      this.candidate = undefined;
      this.candidateCount = 0;
      return false;
    }
    if (this.candidate && sameAddress(from, this.candidate)) this.candidateCount++;
    else {
      this.candidate = { address: from.address, port: from.port };
      this.candidateCount = 1;
    }
    if (this.candidateCount < this.relatchAfter) return false;
    this.current = this.candidate;
    this.candidate = undefined;
    this.candidateCount = 0;
    return true;
  }
}
