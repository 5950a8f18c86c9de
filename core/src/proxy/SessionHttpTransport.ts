import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isJSONRPCErrorResponse, isJSONRPCResultResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** Unrelated messages kept while no standalone stream is open; beyond this the oldest are dropped. */
const MAX_BACKLOG = 100;

/**
 * The SDK's streamable HTTP transport, plus a backlog for messages that belong on the session's
 * standalone GET stream (list_changed, log messages, resource updates, unrelated requests) while
 * that stream is not open. The SDK drops them (it has no event store here), and a client opens
 * its GET stream only after `initialized` — so a `list_changed` sent in that gap, or while the
 * client reconnects, would be lost. They are delivered, in order, as soon as a GET stream opens.
 */
export class SessionHttpTransport extends WebStandardStreamableHTTPServerTransport {
  private standaloneOpen = false;
  private backlog: { message: JSONRPCMessage; options?: TransportSendOptions }[] = [];

  constructor(options: WebStandardStreamableHTTPServerTransportOptions) {
    super(options);
  }

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const standalone =
      options?.relatedRequestId === undefined && !isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message);
    if (standalone && !this.standaloneOpen) {
      this.backlog.push({ message, options });
      if (this.backlog.length > MAX_BACKLOG) this.backlog.shift();
      return;
    }
    return super.send(message, options);
  }

  /** The GET stream was just registered by `handleRequest`: deliver what waited for it. */
  async standaloneOpened(): Promise<void> {
    this.standaloneOpen = true;
    const waiting = this.backlog;
    this.backlog = [];
    for (const { message, options } of waiting) await super.send(message, options);
  }

  /** The GET stream ended (the client left or will reconnect). */
  standaloneClosed(): void {
    this.standaloneOpen = false;
  }
}
