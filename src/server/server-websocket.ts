/**
 * What a socket uses of the `ws` WebSocket its server accepted. Named structurally so that the
 * published declarations do not make users install `@types/ws`.
 */
export interface ServerWebSocket {
  readonly readyState: number;
  /** Bytes written but not yet taken by the kernel, the TCP stream's backlog included. */
  readonly bufferedAmount: number;
  readonly isPaused: boolean;
  send(data: string | Uint8Array, options: { readonly binary: boolean }): void;
  ping(data?: Uint8Array): void;
  pause(): void;
  resume(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}
