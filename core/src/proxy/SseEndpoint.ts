import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import { AccessDeniedError, NotFoundError, ValidationError } from '../errors.js';
import type { HangarState } from '../http/HttpHost.js';
import type { McpSession } from './McpSession.js';
import type { OpenSession } from './StreamableHttpEndpoint.js';

/** SSE comment frames keep proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

interface Entry {
  readonly session: McpSession;
  readonly transport: SSEServerTransport;
}

/**
 * The legacy HTTP+SSE transport (MCP 2024-11-05), for older clients: `GET /sse` opens a session
 * and its event stream, whose first `endpoint` event points at `/messages?sessionId=<id>`, where
 * the client POSTs its messages. Everything the session sends travels on the one stream. An
 * unknown `sessionId` is 404, a missing one 422, another principal's session 403 (the kernel's
 * error body).
 */
export class SseEndpoint {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly open: OpenSession,
    private readonly logger: Logger,
  ) {}

  /** Sessions currently open on this endpoint. */
  get size(): number {
    return this.entries.size;
  }

  /** `GET /sse`. */
  async connect(ctx: ParameterizedContext<HangarState>): Promise<void> {
    const transport = new SSEServerTransport('/messages', ctx.res);
    const session = this.open(ctx.state.principal, 'sse', transport.sessionId);
    ctx.respond = false;
    this.entries.set(session.id, { session, transport });
    const keepalive = setInterval(() => ctx.res.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    void session.closed.then(() => {
      clearInterval(keepalive);
      this.entries.delete(session.id);
    });
    await session.connect(transport);
  }

  /** `POST /messages?sessionId=<id>`. */
  async message(ctx: ParameterizedContext<HangarState>): Promise<void> {
    const id = typeof ctx.query.sessionId === 'string' ? ctx.query.sessionId : undefined;
    if (!id) throw new ValidationError('sessionId: query parameter is required');
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundError(`No MCP SSE session '${id}'`);
    if (entry.session.principal.id !== ctx.state.principal.id) {
      throw new AccessDeniedError('This MCP session was opened by another principal');
    }
    ctx.respond = false;
    try {
      await entry.transport.handlePostMessage(ctx.req, ctx.res);
    } catch (error) {
      // The transport has already answered (500 when its stream is gone).
      this.logger.debug({ err: error, session: id }, 'MCP SSE message refused');
    }
  }

  /** Closes every session of this endpoint. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.entries.values()].map((entry) => entry.session.close()));
  }
}
