/**
 * A small FIFO `AudioPort`: pushed frames (from a device's `frame` event, a decoder) are read
 * back in order by a pulling consumer (the mixer's tick). Adapts push-driven sources to the
 * pull model of the mixer. Preallocated ring; when full, the oldest frame is dropped.
 */
import { samplesPerFrame, type AudioPort } from '../frame';

export class FrameQueuePort implements AudioPort {
  private readonly ring: Int16Array[];
  private head = 0;
  private count = 0;
  /** Frames dropped because the queue was full. */
  dropped = 0;

  /**
   * @param sink receives what the mixer writes back (e.g. the device output or the encoder).
   */
  constructor(
    readonly sampleRate: number,
    private readonly sink: (frame: Int16Array) => void = () => {},
    capacity = 4,
  ) {
    this.ring = Array.from({ length: capacity }, () => new Int16Array(samplesPerFrame(sampleRate)));
  }

  get queued(): number {
    return this.count;
  }

  /** Queues a frame (copied). */
  push(frame: Int16Array): void {
    if (this.count === this.ring.length) {
      this.head = (this.head + 1) % this.ring.length;
      this.count--;
      this.dropped++;
    }
    this.ring[(this.head + this.count) % this.ring.length]!.set(frame);
    this.count++;
  }

  /** Forgets every queued frame. */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  readFrame(into: Int16Array): boolean {
    if (this.count === 0) {
      into.fill(0);
      return false;
    }
    into.set(this.ring[this.head]!);
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    return true;
  }

  writeFrame(frame: Int16Array): void {
    this.sink(frame);
  }
}
