// Node's Buffer decodes and encodes faster than TextDecoder/TextEncoder; browsers have only the
// latter. The check runs once, at load.
const NodeBuffer: typeof Buffer | undefined = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (NodeBuffer !== undefined && NodeBuffer.isBuffer(bytes)) {
    return bytes.toString('utf8', start, end);
  }
  return decoder.decode(bytes.subarray(start, end));
}

export function utf8Encode(text: string): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.from(text, 'utf8') : encoder.encode(text);
}

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}
