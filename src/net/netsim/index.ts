// The in-process network simulator (tests and benches only; never on a real host).

export { type LinkConditions, NetSim, type SimDatagram, type SimStats, seededRandom } from './netsim.js';
export { type RelayEntryObserver, type RelayObserver, type RelayTarget, TCP_MIN_RTO_MS, TcpRelay, UdpRelay } from './relays.js';
