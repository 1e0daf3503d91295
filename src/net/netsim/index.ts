// The in-process network simulator (tests and benches only; never on a real host).

export { type LinkConditions, NetSim, type SimDatagram, type SimStats, seededRandom } from './netsim.js';
