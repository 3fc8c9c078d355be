// A TCP balancer for the recovery benchmark: every connection goes to the current target, and
// `retarget` sends the next ones elsewhere, as a load balancer does once an instance is gone.
import { connect, createServer } from 'node:net';
import { HOST } from './shared.js';

export async function startBalancer(targetPort) {
  let target = targetPort;
  const open = new Set();
  const server = createServer((inbound) => {
    const outbound = connect(target, HOST);
    open.add(inbound).add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.pipe(outbound).pipe(inbound);
    for (const socket of [inbound, outbound]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return {
    port: server.address().port,
    retarget(port) {
      target = port;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
