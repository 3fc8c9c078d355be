// The floor of the broadcast across instances, in its own process: `node bench/floor-instance.js`.
// A raw `node:net` server (floor-server.js) holding its share of the room's clients; the runner
// tells every instance to broadcast, as no Redis hop is part of the floor: what it measures is the
// instances' writes alone. Same IPC as cluster-server.js: `members`, `cpu`, `broadcast`, `exit`.
/* global performance, process */
import { startFloor } from './floor-server.js';
import { roundPayload, tell } from './shared.js';

const floor = await startFloor();

process.on('message', (message) => {
  switch (message.cmd) {
    case 'members':
      tell({ type: 'members', count: floor.members() });
      break;
    case 'cpu':
      tell({ type: 'cpu', ...process.cpuUsage(), at: performance.now() });
      break;
    case 'broadcast': {
      const text = `tick||0||${JSON.stringify(roundPayload(message.round))}`;
      tell({ type: 'broadcast', sendLoop: floor.broadcast(text) });
      break;
    }
    case 'exit':
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
tell({ type: 'listening', port: floor.port, pid: process.pid });
