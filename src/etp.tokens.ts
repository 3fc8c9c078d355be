/** The broker of `EtpRoomsService`: `EtpModule.forRoot({ broker })`, in memory by default. */
export const ETP_BROKER = Symbol('ETP_BROKER');

/**
 * What `EtpAdapter` tells of every connection and disconnection: the room registry of
 * `EtpModule`, looked up by this token rather than by class so that the server side needs no
 * import of the rooms.
 */
export const ETP_CONNECTION_OBSERVER = Symbol('ETP_CONNECTION_OBSERVER');
