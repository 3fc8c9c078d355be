/**
 * A join that would put a connection in more rooms than `maxRoomsPerSocket` allows. The join
 * is refused whole: the connection is in none of the rooms it asked for that it was not in
 * already.
 */
export class EtpRoomLimitError extends Error {
  /** Always `'EtpRoomLimitError'`. */
  override readonly name = 'EtpRoomLimitError';

  constructor(
    /** The connection that asked. */
    readonly socketId: string,
    /** The bound, `maxRoomsPerSocket`. */
    readonly limit: number,
  ) {
    super(`Socket ${socketId} cannot join more than ${limit} rooms (maxRoomsPerSocket)`);
  }
}

/**
 * A join to a room whose name has the shape of a socket id (32 lowercase hexadecimal
 * characters). Those names address one connection, wherever it is; a room cannot take one, or
 * its members would receive what is sent to that connection.
 */
export class EtpRoomNameError extends Error {
  /** Always `'EtpRoomNameError'`. */
  override readonly name = 'EtpRoomNameError';

  constructor(
    /** The refused name. */
    readonly room: string,
  ) {
    super(`"${room}" has the shape of a socket id and cannot name a room`);
  }
}

/**
 * A broadcast whose frame is larger than the smallest `maxBufferedBytes` of the application's
 * gateways: written to the members, it would close each of them as a slow consumer. Refused at
 * `emit` and `emitWithAck`, before anything is sent to any instance.
 */
export class EtpBroadcastTooLargeError extends Error {
  /** Always `'EtpBroadcastTooLargeError'`. */
  override readonly name = 'EtpBroadcastTooLargeError';

  constructor(
    /** The event of the refused broadcast. */
    readonly event: string,
    /** The size of its frame, in bytes (at least). */
    readonly bytes: number,
    /** The bound it passed: the smallest `maxBufferedBytes` of the gateways. */
    readonly limit: number,
  ) {
    super(
      `Broadcast "${event.slice(0, 100)}" is ${bytes} bytes, more than maxBufferedBytes ` +
        `(${limit}): every member would be closed as a slow consumer`,
    );
  }
}
