import { ConnectionState } from '../../../src/client/connection-state.js';

describe('ConnectionState', () => {
  test('has one readable value per state, all different', () => {
    expect(ConnectionState).toEqual({
      Closed: 'closed',
      Connecting: 'connecting',
      Open: 'open',
      Closing: 'closing',
      Waiting: 'waiting',
    });
    expect(new Set(Object.values(ConnectionState)).size).toBe(5);
  });
});
