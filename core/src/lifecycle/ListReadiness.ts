import type { Logger } from 'pino';
import { errorMessage } from '../kernel/registerPlugin.js';
import type { Clock, TimerHandle } from '../services/Clock.js';
import type { McpServer } from './McpServer.js';

/**
 * What every listing door (MCP `tools/list`, `prompts/list`, `resources/list`,
 * `resources/templates/list`, REST tool listings, `registry_tools`, a flat-mode name no known list
 * holds) waits for before it answers: the servers whose lists are unknown (never started, no
 * predefined tools, no last-known list) are started, all at once, through the same single-flight
 * start a call uses (`ensureStarted`: a dead or degraded server within its backoff is not retried),
 * for at most `timeoutMs`. A server that fails, or is still starting at the deadline, is left out of
 * that answer with a warning; once it is ready, its list change reaches the sessions as
 * `list_changed` like any other.
 *
 * Once every list is known, `wait` is one boolean check and allocates nothing: lists only go from
 * unknown to known (a start, a remembered list), except when the set of servers or a config
 * changes, which the registry reports through `invalidate`.
 */
export class ListReadiness {
  /** True once a check found no unknown list and nothing has changed since. */
  private settled = false;

  constructor(
    private readonly servers: () => Iterable<McpServer>,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** A server was added or reconfigured: its lists may be unknown again. */
  invalidate(): void {
    this.settled = false;
  }

  /**
   * Undefined when the lists of every server (or of `only`) are known; else a promise that settles
   * (never rejects) once those servers have started, failed, or the bound has passed.
   */
  wait(only?: McpServer): Promise<void> | undefined {
    if (only !== undefined) return only.listsUnknown ? this.startAll([only]) : undefined;
    if (this.settled) return undefined;
    const unknown: McpServer[] = [];
    for (const server of this.servers()) if (server.listsUnknown) unknown.push(server);
    if (unknown.length === 0) {
      this.settled = true;
      return undefined;
    }
    return this.startAll(unknown);
  }

  private async startAll(servers: readonly McpServer[]): Promise<void> {
    const failed = new Map<McpServer, unknown>();
    const pending = new Set(servers);
    const starts = servers.map((server) =>
      server.ensureStarted().then(
        () => pending.delete(server),
        (error: unknown) => {
          // After the deadline the server's own start failure log says it all.
          if (pending.delete(server)) failed.set(server, error);
        },
      ),
    );
    let timer: TimerHandle | undefined;
    const deadline = new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, this.timeoutMs)));
    await Promise.race([Promise.all(starts), deadline]);
    timer?.cancel();
    // Read once: a start that settles from here on belongs to the next answer.
    const late = [...pending];
    pending.clear();
    for (const [server, error] of failed) {
      this.logger.warn(
        { mcp_server_id: server.id },
        `MCP server '${server.id}' is left out of the list: it could not start (${errorMessage(error)})`,
      );
    }
    for (const server of late) {
      this.logger.warn(
        { mcp_server_id: server.id },
        `MCP server '${server.id}' is left out of the list: still starting after ${this.timeoutMs / 1000} s ` +
          '(list_start_timeout_s); clients get list_changed once it is ready',
      );
    }
  }
}
