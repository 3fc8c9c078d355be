import { currentInstruments, type EtpInstruments } from './instruments.js';
import type { Tally } from './tallies.js';

interface RoomsTallies {
  readonly instruments: EtpInstruments;
  readonly broadcasts: Tally;
  readonly sockets: Tally;
}

let tallies: RoomsTallies | undefined;

/**
 * Counts a broadcast of `EtpRoomsService` and the connections it reached. It counts into the
 * instruments the gateways found, so nothing is recorded when they found no MeterProvider. A
 * rooms broadcast may reach the connections of several gateways: it carries no gateway path.
 */
export function recordRoomsBroadcast(sockets: number): void {
  const instruments = currentInstruments();
  if (instruments === undefined) return;
  if (tallies?.instruments !== instruments) {
    tallies = {
      instruments,
      broadcasts: instruments.broadcasts.of({}),
      sockets: instruments.broadcastSockets.of({}),
    };
  }
  tallies.broadcasts.value++;
  tallies.sockets.value += sockets;
}
