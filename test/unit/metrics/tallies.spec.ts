import { metrics } from '@opentelemetry/api';
import { Tallies } from '../../../src/metrics/tallies.js';
import { TestMeters } from '../../e2e/metrics/reader.js';

let meters: TestMeters;
beforeEach(() => (meters = new TestMeters().install()));
afterEach(() => meters.uninstall());

const counter = () => new Tallies(metrics.getMeter('test').createObservableCounter('test.count'));

describe('Tallies', () => {
  test('the SDK reads each tally’s value, with its attributes, when it collects', async () => {
    const tallies = counter();
    tallies.of({ path: '/a' }).value += 3;
    tallies.of({ path: '/b' }).value += 1;
    expect(await meters.points('test.count')).toEqual([
      { attributes: { path: '/a' }, value: 3 },
      { attributes: { path: '/b' }, value: 1 },
    ]);
    tallies.of({ path: '/a' }).value += 2;
    expect(await meters.value('test.count', { path: '/a' })).toBe(5);
  });

  test('the same attributes, in any order, are one tally', () => {
    const tallies = counter();
    const one = tallies.of({ a: '1', b: '2' });
    expect(tallies.of({ b: '2', a: '1' })).toBe(one);
    expect(tallies.of({ a: '1' })).not.toBe(one);
    expect(tallies.of({ a: 1 })).not.toBe(tallies.of({ a: '1' }));
  });

  test('a tally that was never counted reports 0, as a counter made at that point would', async () => {
    counter().of({ path: '/quiet' });
    expect(await meters.points('test.count')).toEqual([
      { attributes: { path: '/quiet' }, value: 0 },
    ]);
  });

  test('attribute values that look alike as text stay apart', async () => {
    const tallies = counter();
    tallies.of({ k: 'a","b' }).value++;
    tallies.of({ k: 'a', b: '' }).value += 2;
    expect(await meters.value('test.count', { k: 'a","b' })).toBe(1);
    expect(await meters.value('test.count', { k: 'a', b: '' })).toBe(2);
  });
});
