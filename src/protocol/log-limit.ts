/**
 * What keeps a peer from flooding or forging the logs: a budget of lines per window of time,
 * a count of what was left out, and an escape for text a peer chose. Pure, for the server and
 * the browser client alike.
 */

/** Reports of one connection (or one client) that are written: 5 a minute. */
export const LOG_LINES_PER_CONNECTION = 5;
export const CONNECTION_LOG_WINDOW_MS = 60_000;
/** Reports of the whole process that are written: 10 a second, over all connections. */
export const LOG_LINES_PER_PROCESS = 10;
export const PROCESS_LOG_WINDOW_MS = 1_000;
/** Longest log line made from a peer's report, in characters. */
export const MAX_LOG_LINE = 300;

/** At most `lines` lines in each window of `windowMs`, counted from the first line of a window. */
export class LogBudget {
  private windowStart = -Infinity;
  private used = 0;

  constructor(
    private readonly lines: number,
    private readonly windowMs: number,
  ) {}

  /** Takes one line from the budget; `false` when it is spent for this window. */
  take(now: number): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.lines) return false;
    this.used++;
    return true;
  }
}

/** Where a summary line goes: a Nest `Logger`, or the client's log. */
export interface LogSink {
  warn(line: string): void;
}

/**
 * Decides which reports of peers' protocol errors (malformed frames, unknown events, payloads
 * that cannot be decoded) reach the log: at most 5 a minute per connection and 10 a second in
 * all. What is left out is counted, and one summary line a second at most says how many; its
 * timer does not keep a process alive.
 */
export class PeerReportGate {
  private readonly budgets = new WeakMap<object, LogBudget>();
  private readonly processBudget = new LogBudget(LOG_LINES_PER_PROCESS, PROCESS_LOG_WINDOW_MS);
  private suppressed = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sink: LogSink | undefined;

  /** Whether a report about `connection` may be written now; when not, it is counted. */
  allow(connection: object, sink: LogSink): boolean {
    const now = Date.now();
    let budget = this.budgets.get(connection);
    if (budget === undefined) {
      budget = new LogBudget(LOG_LINES_PER_CONNECTION, CONNECTION_LOG_WINDOW_MS);
      this.budgets.set(connection, budget);
    }
    if (budget.take(now) && this.processBudget.take(now)) return true;
    this.suppressed++;
    this.sink = sink;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.summarize(), PROCESS_LOG_WINDOW_MS);
      (this.timer as { unref?: () => void }).unref?.();
    }
    return false;
  }

  private summarize(): void {
    this.timer = undefined;
    const count = this.suppressed;
    this.suppressed = 0;
    this.sink?.warn(
      `${count} reports of ETP protocol errors left out of the log in the last second ` +
        `(at most ${LOG_LINES_PER_CONNECTION} a minute per connection ` +
        `and ${LOG_LINES_PER_PROCESS} a second in all)`,
    );
    this.sink = undefined;
  }
}

/** The one gate of the process, shared by every gateway and client. */
export const peerReports = new PeerReportGate();

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: anything that could
// end a log line or steer a terminal.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Text fit for one log line: controls escaped (`\n`, `\u001b`, …) and cut to `max` characters,
 * so what a peer sends can neither start a forged line nor fill the log.
 */
export function escapeLogText(text: string, max = MAX_LOG_LINE): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNSAFE, escapeOne);
}
