export const ETP_EVENT_METADATA = 'etp:client-event';

/** Options of `@OnEtpEvent()`. */
export interface OnEtpEventOptions {
  /** The named client the handler listens on; the default client without one. */
  client?: string;
}

export interface EtpEventBinding {
  readonly event: string;
  readonly client: string | undefined;
}

/**
 * Makes a provider's method the handler of an event the server sends to an `EtpClient`. Its
 * return value (or promise) answers the server when the server asked for an answer. It is
 * called with `(data, event)`.
 */
export function OnEtpEvent(event: string, options: OnEtpEventOptions = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const bindings: EtpEventBinding[] = Reflect.getMetadata(ETP_EVENT_METADATA, method) ?? [];
    Reflect.defineMetadata(
      ETP_EVENT_METADATA,
      [...bindings, { event, client: options.client }],
      method,
    );
    return descriptor;
  };
}
