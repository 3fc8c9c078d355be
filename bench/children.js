// The runner's side of its child processes: each benchmark server and load generator runs in a
// process of its own and talks to the runner over IPC.
/* global clearTimeout, setTimeout */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A child with IPC; `next(type)` resolves with its next message of that type. */
export function start(script, args, execArgv = []) {
  const child = fork(join(here, script), args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  const inbox = [];
  let exited;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      for (const [, { reject }] of waiting)
        reject(new Error(`${script} ${args.join(' ')} exited (${code ?? signal})`));
      waiting.clear();
      resolve(exited);
    });
  });
  child.on('message', (message) => {
    const waiter = waiting.get(message.type);
    if (waiter !== undefined) {
      waiting.delete(message.type);
      waiter.resolve(message);
    } else {
      inbox.push(message);
    }
  });
  const next = (type, timeoutMs = 60_000) => {
    const queued = inbox.findIndex((message) => message.type === type);
    if (queued !== -1) return Promise.resolve(inbox.splice(queued, 1)[0]);
    if (exited !== undefined) return Promise.reject(new Error(`${script} has exited`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(type);
        reject(new Error(`${script}: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(type, {
        resolve: (message) => (clearTimeout(timer), resolve(message)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
    });
  };
  /** Sends a command and resolves with the answer, a message whose type is the command's name. */
  const ask = (cmd, extra = {}, timeoutMs = 60_000) => {
    const reply = next(cmd, timeoutMs);
    child.send({ cmd, ...extra });
    return reply;
  };
  const stop = async () => {
    if (exited !== undefined) return;
    if (child.connected) child.send({ cmd: 'exit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
  };
  return { child, next, ask, stop, exit };
}
