// The UDP transport's parts, independent of sockets: handshake cookies, packet sequence
// and acks, the reliable channel, snapshot fragments and one connection's state.

export { COOKIE_LIFETIME_S, CookieJar } from './cookie.js';
export { type FragmentResult, Reassembler, type ReassemblerOptions, splitSnapshot } from './fragments.js';
export { type PeerOptions, type Received, UdpPeer } from './peer.js';
export { ReliableChannel, type ReliableOptions } from './reliable.js';
export { SEND_SLAB_BYTES, SendSlab } from './send-slab.js';
export { ACK_WINDOW, type AckResult, ReceiveWindow, SentLog } from './sequence.js';
export { DatagramStream, type DatagramStreamOptions, KEEPALIVE_MS, peekType, RELIABLE_PIECE, typeIs } from './stream.js';
