import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

@WebSocketGateway({ path: '/ws' })
class EchoGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    return body;
  }
}

/** The wiring the README shows, with the exporter served on a port of the test's choosing. */
describe('metrics scraped by Prometheus from a Nest app', () => {
  let exporter: PrometheusExporter;
  let provider: MeterProvider;
  let scrapeServer: Server;
  let app: TestApp;

  beforeAll(async () => {
    exporter = new PrometheusExporter({ preventServerStart: true });
    provider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);
    scrapeServer = createServer((request, response) =>
      exporter.getMetricsRequestHandler(request, response),
    );
    await new Promise<void>((resolve) => scrapeServer.listen(0, '127.0.0.1', resolve));
    app = await startApp([], [EchoGateway]);
  });

  afterAll(async () => {
    await app.app.close();
    await new Promise((resolve) => scrapeServer.close(resolve));
    metrics.disable();
    await provider.shutdown();
  });

  async function scrape(): Promise<string> {
    const { port } = scrapeServer.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  }

  /** The value of the sample whose name and labels start as given. */
  function sample(text: string, prefix: string): number | undefined {
    const line = text.split('\n').find((one) => one.startsWith(prefix));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  test('exposes the connection, event and handler metrics under their Prometheus names', async () => {
    const client = await RawClient.connect(wsUrl(app.port));
    expect(await client.request('echo||1||hi', '__ack_echo', 1)).toBe('__ack_echo||1||hi');
    await client.request('nobody-handles-this||2||x', '__ack_nobody-handles-this', 2);
    let text = await scrape();

    expect(sample(text, 'etp_server_connections{etp_gateway_path="/ws"')).toBe(1);
    expect(sample(text, 'etp_server_connections_opened_total{etp_gateway_path="/ws"')).toBe(1);
    expect(
      sample(text, 'etp_server_events_received_total{etp_gateway_path="/ws",etp_event_name="echo"'),
    ).toBe(1);
    expect(
      sample(
        text,
        'etp_server_events_received_total{etp_gateway_path="/ws",etp_event_name="unknown"',
      ),
    ).toBe(1);
    expect(text).not.toContain('nobody-handles-this');
    expect(
      sample(
        text,
        'etp_server_handler_duration_count{etp_gateway_path="/ws",etp_event_name="echo"',
      ),
    ).toBe(1);
    expect(text).toMatch(/^# TYPE etp_server_handler_duration histogram$/m);

    await client.close(1000);
    // The server learns of the close a moment after the client: scrape until it has.
    const deadline = Date.now() + 5_000;
    while (sample(text, 'etp_server_connections{etp_gateway_path="/ws"') !== 0) {
      if (Date.now() > deadline) throw new Error('the closed connection is still counted as open');
      await new Promise((resolve) => setTimeout(resolve, 10));
      text = await scrape();
    }
    expect(
      sample(
        text,
        'etp_server_connections_closed_total{etp_gateway_path="/ws",etp_disconnect_reason="client closed"',
      ),
    ).toBe(1);
  });
});
