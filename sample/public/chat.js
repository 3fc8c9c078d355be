// The chat page: one EtpBrowserClient, acks in both directions.
//  - the page asks: `join`, `leave`, `say` and `who` wait for the server's answer;
//  - the server asks: on `join` it requests the page's `profile`, which the handler below answers.
import { EtpBrowserClient } from 'nestjs-etp/browser';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
$('name').value = params.get('name') ?? `guest-${Math.random().toString(36).slice(2, 6)}`;
if (params.has('room')) $('room').value = params.get('room');

const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
// The room and name go in the handshake of every reconnection: the server puts the page back in
// its room at once, and the room's messages it missed meanwhile follow (see onConnect below).
const returning = {};
const client = new EtpBrowserClient(`${scheme}://${location.host}/ws`, { query: returning });
let room;

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

let acksLogged = 0;

// An answer as words rather than raw JSON: `room: lobby, members: alice, bot`. Spaces after the
// separators let a long answer wrap between words, never inside one.
function readable(value) {
  if (Array.isArray(value)) return value.map(readable).join(', ');
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([key, inner]) => `${key}: ${readable(inner)}`)
      .join(', ');
  }
  return String(value);
}

// The newest entry goes on top, numbered in arrival order: the first ack is 1, the newest highest.
function logAck(text) {
  const item = document.createElement('li');
  item.value = ++acksLogged;
  item.textContent = text;
  $('acks').prepend(item);
}

function addMessage({ from, text, at }, notice = false) {
  const item = document.createElement('li');
  if (notice) item.className = 'notice';
  else if (from === $('name').value) item.className = 'mine';
  const time = document.createElement('time');
  time.textContent = new Date(at ?? Date.now()).toLocaleTimeString();
  item.append(time);
  if (!notice) {
    const who = document.createElement('span');
    who.className = 'from';
    who.textContent = from;
    item.append(who);
  }
  item.append(document.createTextNode(text));
  $('messages').append(item);
  $('messages').scrollTop = $('messages').scrollHeight;
}

function showMembers(members) {
  $('members').replaceChildren(
    ...members.map((name) => {
      const item = document.createElement('li');
      item.textContent = name;
      return item;
    }),
  );
}

async function refreshMembers() {
  if (room === undefined) return;
  const answer = await client.emitWithAck('who', { room }, { timeout: 5000 });
  if (answer?.room === room) showMembers(answer.members);
}

// Join is for a room the page is not in yet: disabled once in the room the form names, enabled
// again when the form names another one (joining it leaves the current one).
function updateJoin() {
  $('join').disabled = room !== undefined && $('room').value.trim() === room;
}

function setJoined(joined) {
  $('leave').disabled = !joined;
  $('text').disabled = !joined;
  $('send').disabled = !joined;
  $('text').placeholder = joined ? 'Say something (try !help)' : 'Join a room to speak';
  $('hint').hidden = joined;
  $('current-room').textContent = room ?? 'no room';
  if (!joined) showMembers([]);
  updateJoin();
}

$('room').addEventListener('input', updateJoin);

// The server's requests: whatever this handler returns is sent back as the ack.
client.on('profile', () => {
  const profile = { name: $('name').value.trim() };
  logAck(`server asked for our profile → answered ${readable(profile)}`);
  return profile;
});

client.on('message', (message) => {
  if (message.room === room) addMessage(message);
});
client.on('joined', ({ room: where, name }) => {
  if (where !== room) return;
  addMessage({ text: `${name} joined ${where}` }, true);
  void refreshMembers();
});
client.on('left', ({ room: where, name }) => {
  if (where !== room) return;
  addMessage({ text: `${name} left ${where}` }, true);
  void refreshMembers();
});
client.on('exception', (error) => {
  addMessage({ text: `server refused: ${JSON.stringify(error.message)}` }, true);
});

let connects = 0;
client.onConnect(async ({ recovered }) => {
  setStatus('connected', `connected to ${location.host}`);
  if (connects++ === 0 || room === undefined) return;
  if (recovered) {
    addMessage({ text: 'reconnected, nothing missed' }, true);
    void refreshMembers();
    return;
  }
  // The server could not replay what was missed (too long away, or its history is gone): join
  // again, which answers with the members, and say that earlier messages may be missing.
  addMessage({ text: 'reconnected: messages sent meanwhile may be missing' }, true);
  const answer = await client.emitWithAck('join', { room }, { timeout: 10000 });
  if (answer !== undefined) showMembers(answer.members);
});
client.onDisconnect(() => setStatus('disconnected', 'reconnecting…'));

$('join-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const wanted = $('room').value.trim();
  try {
    if (room !== undefined && room !== wanted) await client.emitWithAck('leave', { room });
    const answer = await client.emitWithAck('join', { room: wanted }, { timeout: 10000 });
    if (answer === undefined) return; // refused: the `exception` event says why
    logAck(`join ${wanted} → ${readable(answer)}`);
    room = answer.room;
    Object.assign(returning, { room, name: answer.name });
    setJoined(true);
    showMembers(answer.members);
    addMessage({ text: `you joined ${room} as ${answer.name}` }, true);
  } catch (error) {
    addMessage({ text: `join failed: ${error.message}` }, true);
  }
});

$('leave').addEventListener('click', async () => {
  if (room === undefined) return;
  const left = room;
  room = undefined;
  delete returning.room;
  setJoined(false);
  const answer = await client.emitWithAck('leave', { room: left });
  logAck(`leave ${left} → ${readable(answer)}`);
  addMessage({ text: `you left ${left}` }, true);
});

$('say-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (room === undefined || text.trim() === '') return;
  $('text').value = '';
  try {
    const answer = await client.emitWithAck('say', { room, text }, { timeout: 5000 });
    if (answer === undefined) return;
    logAck(
      answer.delivered === null
        ? 'say → sent (an instance did not answer the count)'
        : `say → delivered to ${answer.delivered}`,
    );
  } catch (error) {
    addMessage({ text: `not sent: ${error.message}` }, true);
  }
});

setStatus('connecting', 'connecting…');
client.connect().catch((error) => setStatus('disconnected', `cannot connect: ${error.message}`));
