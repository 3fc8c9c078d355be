import type { IncomingMessage } from 'node:http';
import type { EtpSocket } from './etp-socket.js';

/** What a handshake's extra step settled for the connection it is about to open. */
export interface ConnectionAdmission {
  /** The client asked to recover its previous connection, and all of it could be. */
  readonly recovered: boolean;
}

/** Keeps track of every connection of every gateway and of the rooms each is in: the rooms registry. */
export interface ConnectionRegistry {
  /**
   * A step of its own before the upgrade, after `authorize`: `undefined` when it has none for
   * this handshake; otherwise what it settles is handed to `connected`. Never rejects.
   */
  admit?(request: IncomingMessage): Promise<ConnectionAdmission> | undefined;
  connected(socket: EtpSocket, admission?: ConnectionAdmission): void;
  /** Told when the connection starts closing, by the server or for it (not by the peer). */
  closing?(socket: EtpSocket): void;
  /** Told once the disconnect callbacks ran, so that they still see the socket's rooms. */
  disconnected(socket: EtpSocket): void;
  roomsOf(socket: EtpSocket): ReadonlySet<string>;
}
