import type { EtpBroadcastTarget } from './broker-types.js';

// A broadcast to several rooms travels as one copy per room, so that an instance hears only the
// rooms it has members of; these say which copies there are and whom each one is for.

/**
 * The rooms a broadcast is published on, once each: every instance with members of several of
 * them hears it once per room, and writes each member once all the same, for each copy reaches
 * only the members of its room that are in none of the rooms before it (see {@link copyTarget}).
 * `undefined`: every connection, on the channel every instance reads.
 */
export function publishedRooms(target: EtpBroadcastTarget): readonly string[] | undefined {
  const rooms = target.rooms;
  if (rooms === undefined || rooms.length <= 1) return rooms;
  return [...new Set(rooms)];
}

/**
 * Whom the copy of a broadcast published on `room`'s channel is for here: that room's members,
 * but not those of a room before it in the target (they have the copy of that room, as this
 * instance listens on every room it has a member of), nor the target's `except`. `undefined`
 * when `room` is not in the target: a copy on a channel it was not published on.
 */
export function copyTarget(
  target: EtpBroadcastTarget,
  room: string,
): EtpBroadcastTarget | undefined {
  const rooms = target.rooms;
  if (rooms === undefined) return undefined;
  const index = rooms.indexOf(room);
  if (index < 0) return undefined;
  if (index === 0) return { rooms: [room], except: target.except };
  return { rooms: [room], except: [...target.except, ...rooms.slice(0, index)] };
}
