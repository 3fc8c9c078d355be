import type { EmitWithAckOptions } from './pending-acks.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- `any` is what lets every event map match */

/**
 * The events one side handles: each name maps to a function type whose parameter is the payload
 * and whose return type is the answer its handler gives to an acknowledged emit (`void`: no
 * answer). A side emits the events of its peer's map and handles those of its own:
 *
 * ```ts
 * interface ChatServerEvents { say: (text: string) => { id: number }; leave: () => void }
 * interface ChatClientEvents { message: (msg: { from: string; text: string }) => void }
 * ```
 */
export interface EtpEventsMap {
  [event: string]: any;
}

/** No map given: every name is a string and every payload and answer untyped, as without one. */
export interface EtpDefaultEventsMap {
  [event: string]: (...args: any[]) => any;
}

/** Whether a map is the untyped default (an index signature rather than named events). */
type IsUntyped<M> = string extends keyof M ? true : false;

/** The event names of a typed map; `never` for the untyped default, which keeps `string`. */
export type EtpEventNames<M extends EtpEventsMap> =
  IsUntyped<M> extends true ? never : keyof M & string;

/** `string` for the untyped default, `never` for a typed map: the untyped overloads' name. */
export type EtpUntypedEventName<M extends EtpEventsMap> =
  IsUntyped<M> extends true ? string : never;

type ArgsOf<F> = F extends (...args: infer A) => any ? A : never;

/** The payload of an event as the handler receives it (`undefined` for an event without one). */
export type EtpEventPayload<M extends EtpEventsMap, E extends keyof M> =
  ArgsOf<M[E]> extends [] ? undefined : ArgsOf<M[E]>[0];

/**
 * The payload argument of an emit: required, optional, or left out (then only `undefined`
 * fits, so that an options argument after it still lands in its place).
 */
export type EtpEmitArgs<M extends EtpEventsMap, E extends keyof M> =
  ArgsOf<M[E]> extends []
    ? [data?: undefined]
    : ArgsOf<M[E]> extends [infer P]
      ? [data: P]
      : ArgsOf<M[E]> extends [(infer P)?]
        ? [data?: P]
        : [data?: unknown];

/** The answer of an acknowledged event. */
export type EtpEventAnswer<M extends EtpEventsMap, E extends keyof M> = Awaited<ReturnType<M[E]>>;

/** The arguments of `emitWithAck` for a typed event: the payload, then the ack options. */
export type EtpEmitWithAckArgs<M extends EtpEventsMap, E extends keyof M> =
  ArgsOf<M[E]> extends []
    ? [data?: undefined, options?: EmitWithAckOptions]
    : ArgsOf<M[E]> extends [infer P]
      ? [data: P, options?: EmitWithAckOptions]
      : ArgsOf<M[E]> extends [(infer P)?]
        ? [data?: P, options?: EmitWithAckOptions]
        : [data?: unknown, options?: EmitWithAckOptions];

/**
 * A handler of a typed event: it receives the payload and returns the answer, or a promise of
 * it; an event answered with `void` lets the handler return anything (nobody reads it).
 */
export type EtpTypedEventHandler<M extends EtpEventsMap, E extends keyof M & string> = (
  data: EtpEventPayload<M, E>,
  event: E,
) => [EtpEventAnswer<M, E>] extends [void]
  ? unknown
  : EtpEventAnswer<M, E> | PromiseLike<EtpEventAnswer<M, E>>;
