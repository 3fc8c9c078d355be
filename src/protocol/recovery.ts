// TEMPORARY stand-in, replaced at merge by the wire module.
export const RECOVERY_QUERY = '__etp_recovery';
export interface RecoveryState {
  readonly id: string | undefined;
  readonly positions: ReadonlyArray<readonly [string, string, number]>;
}
export function decodeRecoveryState(value: string): RecoveryState | undefined {
  if (value === '1') return { id: undefined, positions: [] };
  try {
    const json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as {
      id?: string;
      p: Array<[string, string, number]>;
    };
    return { id: json.id, positions: json.p };
  } catch {
    return undefined;
  }
}
export function encodeHello(recovered: boolean, id: string): string {
  return `__etp_hello||0||${JSON.stringify({ recovered, id })}`;
}
export function encodePosition(room: string, epoch: string, offset: number): string {
  return `__etp_pos||0||${JSON.stringify([room, epoch, offset])}`;
}
export function encodeLeave(room: string): string {
  return `__etp_leave||0||${JSON.stringify([room])}`;
}
export function keptHeader(room: string, epoch: string, offset: number): string {
  return `__etp_b||0||${JSON.stringify([room, epoch, offset])}\n`;
}
export function wrapKept(header: string, inner: string | Uint8Array): string | Uint8Array {
  if (typeof inner === 'string') return header + inner;
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(head.length + inner.length);
  out.set(head);
  out.set(inner, head.length);
  return out;
}
