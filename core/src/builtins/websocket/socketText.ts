import type { RawData } from 'ws';

/** A WebSocket message as UTF-8 text, whichever of its buffer shapes `ws` delivered it in. */
export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
