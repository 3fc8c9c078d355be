import type { Attributes } from '@opentelemetry/api';
import { currentInstruments } from './instruments.js';

/** A rooms broadcast may reach the connections of several gateways: it carries no gateway path. */
const NO_GATEWAY: Attributes = {};

/**
 * Counts a broadcast of `EtpRoomsService` and the connections it reached. It records through the
 * instruments the gateways found, so nothing is recorded when they found no MeterProvider.
 */
export function recordRoomsBroadcast(sockets: number): void {
  const instruments = currentInstruments();
  if (instruments === undefined) return;
  instruments.broadcasts.add(1, NO_GATEWAY);
  instruments.broadcastSockets.add(sockets, NO_GATEWAY);
}
