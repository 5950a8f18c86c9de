import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError } from '../errors.js';

/** The largest MCP message body accepted (the SDK's own default). */
export const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Reads a request body as UTF-8 text, refusing more than `limit` bytes with `PayloadTooLargeError`
 * (413). The MCP routes read bodies themselves: the kernel's JSON parser runs only on `/api/*`.
 */
export async function readBody(req: IncomingMessage, limit = MAX_MCP_BODY_BYTES): Promise<string> {
  if (Number(req.headers['content-length']) > limit) throw new PayloadTooLargeError(`MCP messages are limited to ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(`MCP messages are limited to ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A web-standard `Request` for the SDK transport, built from a Node request whose body was already read. */
export function toWebRequest(req: IncomingMessage, body: string | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // The body is passed as text: its original framing headers no longer describe it.
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(req.url ?? '/', 'http://localhost');
  }
  const method = req.method ?? 'GET';
  return new Request(url, { method, headers, body: method === 'POST' || method === 'PUT' ? (body ?? '') : undefined });
}

/**
 * Writes a web-standard `Response` to a Node response, streaming its body chunk by chunk (SSE
 * events reach the client as they are produced). A client that goes away cancels the body
 * stream, which tells the SDK transport the stream is gone.
 */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
    }
  } catch {
    // The stream was cancelled (client gone) or failed; either way this response is over.
  } finally {
    res.off('close', cancel);
    res.end();
  }
}

/**
 * Turns the SDK's SSE answer to requests that cannot produce related messages into one
 * `application/json` body: the stream then carries nothing but the JSON-RPC responses, and it ends
 * once they are all sent. Any other event (there should be none) would be dropped, which is why
 * only the methods of `streamingMethods.ts` come here. `signal` stops waiting when the client leaves.
 */
export async function sseToJson(response: Response, signal: AbortSignal): Promise<Response> {
  if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  const cancel = () => void response.body?.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  let text: string;
  try {
    text = await response.text();
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  const messages = parseSseMessages(text).filter((message) => 'id' in message && ('result' in message || 'error' in message));
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  headers.delete('cache-control');
  headers.delete('x-accel-buffering');
  headers.delete('connection');
  return new Response(JSON.stringify(messages.length === 1 ? messages[0] : messages), { status: response.status, headers });
}

/** The JSON payloads of the `message` events of an SSE text. */
export function parseSseMessages(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (event !== 'message' || data.length === 0) continue;
    try {
      out.push(JSON.parse(data.join('\n')) as Record<string, unknown>);
    } catch {
      // Not JSON: not an MCP message.
    }
  }
  return out;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
