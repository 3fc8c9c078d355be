import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Position of the event name in the arguments EtpAdapter hands Nest: socket, body, ack, event. */
const EVENT_ARG = 3;

/**
 * The name of the event being handled, as it came on the wire. Most useful in the
 * `ETP_UNKNOWN_EVENT` fallback, whose pattern is the fallback's own name.
 */
export const EtpEventName = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => context.getArgByIndex<string>(EVENT_ARG),
);
