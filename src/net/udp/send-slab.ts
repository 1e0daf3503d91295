// Memory for the snapshot datagrams a host sends: one slab carved in turn, instead of a
// buffer per datagram (at 200 clients x 1,000 entities x 60 Hz, 60,000 datagrams of 1,232
// bytes a second: a new buffer each was most of the host's garbage, and the 8 KiB pools
// they were cut from kept V8's helper threads busy). node:dgram sends at once when the
// kernel takes the datagram, and holds on to it only while a send waits in its queue; so
// when the slab is used up it is carved again from the start if no send is queued (every
// datagram in it has gone out), else a new slab is taken and the old one is left to the
// queued sends that still read from it.
//
// (Sending a head and the payload as two parts of one datagram, uncopied, cost more: dgram
// wraps every part of a list in a new Buffer, which took longer than copying 1,200 bytes.)

/** 256 KiB: about 200 full datagrams; the queue is looked at a few times a tick at most. */
export const SEND_SLAB_BYTES = 256 * 1024;

export class SendSlab {
  private slab: Buffer;
  private at = 0;
  /** Slabs taken because sends were still queued when one was used up (kernel back-pressure). */
  renewed = 0;

  constructor(
    /** True while any send of the socket these datagrams go through is queued (dgram getSendQueueCount() > 0). */
    private readonly queued: () => boolean,
    private readonly bytes = SEND_SLAB_BYTES,
  ) {
    this.slab = Buffer.allocUnsafeSlow(bytes);
  }

  /** `n` bytes for one datagram, to be handed to the socket before the next take. */
  take(n: number): Buffer {
    if (n > this.bytes) throw new RangeError(`a datagram of ${n} bytes is larger than the slab`);
    if (this.at + n > this.bytes) {
      if (this.queued()) {
        this.slab = Buffer.allocUnsafeSlow(this.bytes);
        this.renewed++;
      }
      this.at = 0;
    }
    const d = this.slab.subarray(this.at, this.at + n);
    this.at += n;
    return d;
  }
}
