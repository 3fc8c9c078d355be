import { randomBytes } from 'node:crypto';
import type { HistoryKeys } from '../cluster/channels.js';
import type { HistoryLimits, StoredEntry, StoredHistory } from '../cluster/transport.js';
import type { RedisClient } from './redis-client.js';

/**
 * Both scripts start the room's history when it has none: a new epoch (made by the caller, as
 * Redis scripts have no good randomness), offset 0, and no entries left of an older one (their
 * ids would be ahead of the new offsets). The epoch and offset are in a hash kept far longer
 * than the entries, so that a quiet room keeps its epoch.
 */
const START = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'offset', 0)
end
`;

/**
 * KEYS: entries, meta, channel. ARGV: new epoch, maxMessages, maxDisconnection, epoch lifetime,
 * sealed message, '1' for SPUBLISH. Entry ids are the offsets (`<offset>-0`), so a read starts
 * at an offset; each says when it was kept (`t`, Redis's clock), and the oldest ones past
 * `maxDisconnection` are trimmed, at most 32 each time (as many as are kept, over time). The
 * entries expire with the last of them; the hash long after.
 */
const KEEP = `${START}
local offset = redis.call('HINCRBY', KEYS[2], 'offset', 1)
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local id = string.format('%d-0', offset)
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], id, 't', string.format('%d', now), 'm', ARGV[5])
local oldest = now - tonumber(ARGV[3])
local head = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 32)
local keep = nil
for i, entry in ipairs(head) do
  local fields = entry[2]
  local t = nil
  for j = 1, #fields - 1, 2 do
    if fields[j] == 't' then t = tonumber(fields[j + 1]) end
  end
  if t == nil or t >= oldest then
    if i > 1 then keep = entry[1] end
    break
  end
end
if keep then redis.call('XTRIM', KEYS[1], 'MINID', keep) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local message = '!' .. epoch .. ' ' .. string.format('%d', offset) .. '\\n' .. ARGV[5]
if ARGV[6] == '1' then
  redis.call('SPUBLISH', KEYS[3], message)
else
  redis.call('PUBLISH', KEYS[3], message)
end
return offset
`;

/**
 * KEYS: entries, meta. ARGV: new epoch, epoch lifetime, epoch of since ('' for none), offset of
 * since, maxMessages. Returns epoch, offset, Redis's clock (s, µs), and the entries after since
 * when there is any hope: same epoch, at most maxMessages behind.
 */
const READ = `${START}
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local offset = tonumber(redis.call('HGET', KEYS[2], 'offset'))
local clock = redis.call('TIME')
local entries = {}
if ARGV[3] ~= '' and epoch == ARGV[3] and offset ~= nil then
  local since = tonumber(ARGV[4])
  local max = tonumber(ARGV[5])
  if offset > since and offset - since <= max then
    entries = redis.call('XRANGE', KEYS[1], string.format('%d-0', since + 1), '+', 'COUNT', max + 1)
  end
end
return {epoch, string.format('%d', offset or -1), clock[1], clock[2], entries}
`;

interface HistoryCommands {
  etpKeepBroadcast(...args: Array<string | Buffer | number>): Promise<unknown>;
  etpReadHistoryBuffer(...args: Array<string | Buffer | number>): Promise<unknown>;
}

/** Gives `redis` the two scripts once (ioredis sends EVAL on a new connection, EVALSHA after). */
export function historyCommands(redis: RedisClient): HistoryCommands {
  const commands = redis as unknown as Partial<HistoryCommands>;
  if (typeof commands.etpKeepBroadcast !== 'function') {
    redis.defineCommand('etpKeepBroadcast', { numberOfKeys: 3, lua: KEEP });
    redis.defineCommand('etpReadHistory', { numberOfKeys: 2, lua: READ });
  }
  return redis as unknown as HistoryCommands;
}

const newEpoch = (): string => randomBytes(16).toString('hex');

export function keepBroadcast(
  redis: RedisClient,
  keys: HistoryKeys,
  bytes: Buffer,
  limits: HistoryLimits,
  sharded: boolean,
): Promise<unknown> {
  return historyCommands(redis).etpKeepBroadcast(
    keys.entries,
    keys.meta,
    keys.channel,
    newEpoch(),
    limits.maxMessages,
    limits.maxDisconnection,
    limits.epochLifetime,
    bytes,
    sharded ? '1' : '0',
  );
}

export async function readHistory(
  redis: RedisClient,
  keys: HistoryKeys,
  since: { readonly epoch: string; readonly offset: number } | undefined,
  limits: HistoryLimits,
): Promise<StoredHistory> {
  const reply = await historyCommands(redis).etpReadHistoryBuffer(
    keys.entries,
    keys.meta,
    newEpoch(),
    limits.epochLifetime,
    since?.epoch ?? '',
    since?.offset ?? 0,
    limits.maxMessages,
  );
  if (!Array.isArray(reply) || reply.length !== 5 || !Array.isArray(reply[4])) {
    throw new Error('the history script answered in an unknown shape');
  }
  const [epoch, offset, seconds, micros, entries] = reply as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    unknown[],
  ];
  return {
    epoch: String(epoch),
    offset: Number(String(offset)),
    now: Number(String(seconds)) * 1000 + Math.floor(Number(String(micros)) / 1000),
    entries: entries.map(storedEntry),
  };
}

const ENTRY_ID = /^(\d{1,16})-0$/;

/** What an entry of XRANGE holds, `undefined` where it is not as the script writes it. */
function storedEntry(raw: unknown): StoredEntry {
  if (!Array.isArray(raw) || raw.length !== 2 || !Array.isArray(raw[1])) {
    return { offset: undefined, time: undefined, bytes: undefined };
  }
  const [id, fields] = raw as [unknown, unknown[]];
  const match = ENTRY_ID.exec(String(id));
  let time: number | undefined;
  let bytes: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = String(fields[i]);
    const value = fields[i + 1];
    if (name === 't') time = Number(String(value));
    else if (name === 'm' && Buffer.isBuffer(value)) bytes = value;
  }
  return {
    offset: match === null ? undefined : Number(match[1]),
    time: time !== undefined && Number.isSafeInteger(time) ? time : undefined,
    bytes,
  };
}
