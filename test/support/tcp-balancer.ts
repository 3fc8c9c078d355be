import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP balancer in front of instances, as a load balancer is in production: every new
 * connection goes to the current target port, and `retarget` sends the next ones elsewhere
 * (the connections already made stay where they are, and die with their instance).
 */
export class TcpBalancer {
  private readonly pairs = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private target: number,
  ) {}

  static async start(target: number): Promise<TcpBalancer> {
    const server = createServer();
    const balancer = new TcpBalancer(server, target);
    server.on('connection', (socket) => balancer.forward(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  retarget(port: number): void {
    this.target = port;
  }

  async close(): Promise<void> {
    for (const socket of this.pairs) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    const upstream = connect(this.target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.pairs.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.pairs.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
