import type { Attributes, Observable } from '@opentelemetry/api';

/** One count of one set of attributes, kept in memory. */
export interface Tally {
  value: number;
  readonly attributes: Attributes;
}

/**
 * The counts behind one observable instrument. Recording is an increment of a plain number;
 * the SDK reads every count only when it collects (a scrape, an export), which spares each event
 * the SDK's attribute hashing and storage lookup. The values it reports are the same a
 * synchronous counter would give.
 */
export class Tallies {
  private readonly byKey = new Map<string, Tally>();

  constructor(instrument: Observable) {
    instrument.addCallback((result) => {
      for (const tally of this.byKey.values()) result.observe(tally.value, tally.attributes);
    });
  }

  /**
   * The tally of these attributes, the same one for everyone who names them alike: gateways
   * that share a path add up, as a synchronous counter would add them up.
   */
  of(attributes: Attributes): Tally {
    const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
    let tally = this.byKey.get(key);
    if (tally === undefined) {
      tally = { value: 0, attributes };
      this.byKey.set(key, tally);
    }
    return tally;
  }
}
