/** 32 lowercase hexadecimal characters: the shape of every `EtpSocket.id`. */
const SOCKET_ID_SHAPE = /^[0-9a-f]{32}$/;

/**
 * Whether a name could be a socket id. Ids are not secret (apps broadcast them), so a room may
 * not take such a name: on an instance that does not hold that socket, the room would answer
 * for it.
 */
export function hasSocketIdShape(name: string): boolean {
  return name.length === 32 && SOCKET_ID_SHAPE.test(name);
}
