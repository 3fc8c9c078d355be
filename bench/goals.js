// The goals the benchmark reports against, from a results object of run.js.

/** Each goal as { name, measured, met }; a part that did not run has none. */
export function goalsOf({ echo, broadcast, memory, cluster }) {
  const goals = [];
  const add = (name, value, met, format) => goals.push({ name, measured: format(value), met });
  const times = (value) => `${value.toFixed(2)}×`;
  if (echo.etp !== undefined) {
    add(
      'echo ≥ 1.6× WsAdapter',
      echo.etp.rate / echo.ws.rate,
      echo.etp.rate >= 1.6 * echo.ws.rate,
      times,
    );
    add(
      'echo ≥ 2.5× IoAdapter',
      echo.etp.rate / echo.io.rate,
      echo.etp.rate >= 2.5 * echo.io.rate,
      times,
    );
    add(
      'echo ≥ 0.8× bare ws',
      echo.etp.rate / echo.bare.rate,
      echo.etp.rate >= 0.8 * echo.bare.rate,
      times,
    );
    if (echo.plain !== undefined) {
      add(
        'echo ≥ 0.8× bare ws, plain ws.send',
        echo.etp.rate / echo.plain.rate,
        echo.etp.rate >= 0.8 * echo.plain.rate,
        times,
      );
    }
    add(
      'p99 ≤ WsAdapter p99',
      echo.etp.p99 / echo.ws.p99,
      echo.etp.p99 <= echo.ws.p99,
      (value) =>
        `${(echo.etp.p99 / 1000).toFixed(2)} vs ${(echo.ws.p99 / 1000).toFixed(2)} ms (${value.toFixed(2)}×)`,
    );
  }
  // The floor (a raw net server writing one prebuilt frame to each member) is as fast as a
  // broadcast can be here, so goals are ratios to it; a × socket.io goal above ~1.35× is out of
  // reach when socket.io itself is within that of the floor.
  const toFloor = (value) => `${value.toFixed(2)}× the floor`;
  if (broadcast.etp !== undefined && broadcast.floor !== undefined) {
    add(
      'broadcast send loop ≤ 1.1× the floor',
      broadcast.etp.sendLoop / broadcast.floor.sendLoop,
      broadcast.etp.sendLoop <= 1.1 * broadcast.floor.sendLoop,
      toFloor,
    );
  }
  if (broadcast.etp !== undefined && memory.bare !== undefined) {
    add(
      'memory ≤ bare ws + 1 KiB',
      memory.etp.perConnection - memory.bare.perConnection,
      memory.etp.perConnection <= memory.bare.perConnection + 1024,
      (value) => `bare ws ${value >= 0 ? '+' : '−'} ${Math.abs(Math.round(value))} B`,
    );
  }
  if (cluster.etp !== undefined) {
    const { io, etp, floor } = cluster;
    const nearFloor = "instances' CPU per broadcast across 2 ≤ 1.1× the floor";
    const lighter = "instances' CPU per broadcast across 2 ≥ 1.5× less than socket.io's";
    if (etp.unavailable !== undefined) {
      goals.push({ name: nearFloor, measured: 'not available', met: undefined });
      goals.push({ name: lighter, measured: 'not available', met: undefined });
    } else {
      if (floor !== undefined) {
        add(
          nearFloor,
          etp.cpu.instances / floor.cpu.instances,
          etp.cpu.instances <= 1.1 * floor.cpu.instances,
          toFloor,
        );
      }
      if (io !== undefined) {
        add(
          lighter,
          io.cpu.instances / etp.cpu.instances,
          io.cpu.instances >= 1.5 * etp.cpu.instances,
          (value) => `${value.toFixed(2)}× less`,
        );
      }
    }
  }
  return goals;
}
