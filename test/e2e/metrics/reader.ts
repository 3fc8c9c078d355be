import { metrics, type Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';

/** A reader that exports nowhere: the test asks it for the current values with `collect()`. */
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Point {
  attributes: Attributes;
  /** A counter's sum, or a histogram's count. */
  value: number;
  /** A histogram's sum of recorded values. */
  sum?: number;
}

/** The OpenTelemetry SDK with an in-memory reader, registered as the global MeterProvider. */
export class TestMeters {
  private readonly reader = new CollectingReader();
  private readonly provider = new MeterProvider({ readers: [this.reader] });

  /** Registers the provider globally; the package then records into it. */
  install(): this {
    metrics.setGlobalMeterProvider(this.provider);
    return this;
  }

  /** Unregisters it, so the next test starts with no MeterProvider. */
  async uninstall(): Promise<void> {
    metrics.disable();
    await this.provider.shutdown();
  }

  /** Every metric recorded so far, by name. */
  async collect(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'collecting metrics failed');
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    }
    return byName;
  }

  /** The data points of one metric: none when it was never recorded. */
  async points(name: string): Promise<Point[]> {
    const metric = (await this.collect()).get(name);
    if (metric === undefined) return [];
    if (metric.dataPointType === DataPointType.HISTOGRAM) {
      return metric.dataPoints.map((point) => ({
        attributes: point.attributes,
        value: point.value.count,
        sum: point.value.sum,
      }));
    }
    return metric.dataPoints.map((point) => ({
      attributes: point.attributes,
      value: point.value as number,
    }));
  }

  /** The value of the one data point with exactly these attributes; 0 when there is none. */
  async value(name: string, attributes: Attributes): Promise<number> {
    return (await this.point(name, attributes))?.value ?? 0;
  }

  async point(name: string, attributes: Attributes): Promise<Point | undefined> {
    const wanted = JSON.stringify(sorted(attributes));
    return (await this.points(name)).find(
      (point) => JSON.stringify(sorted(point.attributes)) === wanted,
    );
  }
}

function sorted(attributes: Attributes): Array<[string, unknown]> {
  return Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
}
