import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '../errors.js';

/**
 * Reads a request body as UTF-8 text, refusing more than `limit` bytes with `PayloadTooLargeError`
 * (413) and `tooLargeMessage`: the one body reader of the JSON bodies of `/api` and of MCP messages.
 * Plain stream events rather than an async iterator: a body is usually one chunk, and this is on
 * the path of every MCP call.
 */
export function readBody(req: IncomingMessage, limit: number, tooLargeMessage: string): Promise<string> {
  const tooLarge = () => new PayloadTooLargeError(tooLargeMessage);
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.destroy();
        reject(tooLarge());
      } else if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(more ? Buffer.concat(more, size).toString('utf8') : (first?.toString('utf8') ?? ''));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(new Error('The client closed the connection before sending the whole request body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
