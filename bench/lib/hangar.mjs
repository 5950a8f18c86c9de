// Hangar as the bench runs it: always a child process (its own event loop, its own RSS), started
// from the compiled CLI with a generated config, the kernel alone (`{"plugins": []}`) and a data
// dir in the OS temp dir; stopped with SIGTERM like a service manager would.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { URLSearchParams } from 'node:url';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { freePort, waitForHttp } from './net.mjs';
import { markedEnv, MARKER, MARKER_NAME, rssKiB, spawnTracked, stopTracked } from './processes.mjs';
import { benchClient, ROOT } from './servers.mjs';
import { makeTempDir, removeTempDir } from './tempDirs.mjs';

/** The compiled CLI (`npm run build` first). */
export const CLI = path.join(ROOT, 'core', 'dist', 'cli', 'main.js');

/**
 * A config's `mcp_servers` entry for `server` (see lib/servers.mjs). Every server carries the run's
 * marker in its environment, so an orphan would be found by the final sweep.
 */
export function serverEntry(server, extra = {}) {
  return { mode: 'subprocess', command: server.command, env: { [MARKER_NAME]: MARKER }, ...extra };
}

/**
 * Writes the config (JSON is YAML) and the plugins file (no plugin unless `plugins` lists entries)
 * into a new temp dir.
 */
function prepare(config, plugins = []) {
  const dir = makeTempDir('hangar-bench-hangar-');
  const configFile = path.join(dir, 'hangar.yaml');
  const pluginsFile = path.join(dir, 'plugins.json');
  writeFileSync(configFile, JSON.stringify(config, null, 1));
  writeFileSync(pluginsFile, JSON.stringify({ plugins }));
  return {
    dir,
    args: ['--config', configFile, '--plugins', pluginsFile, '--data-dir', path.join(dir, 'data'), '--log-level', 'warn'],
  };
}

/**
 * Starts Hangar in HTTP mode and waits for `/ready`. `nodeArgs` go before the CLI (e.g.
 * `--cpu-prof`); `cli` is another build's CLI (compare.mjs runs an older checkout); `plugins` are
 * plugins-file entries. Returns `{url, pid, bootMs, rssKiB(), connect(), stop()}`.
 */
export async function startHangarHttp(config, { nodeArgs = [], readyTimeoutMs = 60_000, cli = CLI, plugins = [] } = {}) {
  const { dir, args } = prepare(config, plugins);
  const port = await freePort();
  const began = performance.now();
  const tracked = spawnTracked(
    process.execPath,
    [...nodeArgs, cli, ...args, '--http', '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: ROOT,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopTracked(tracked);
    removeTempDir(dir);
  };
  try {
    await waitForHttp(`${url}/ready`, { timeoutMs: readyTimeoutMs, alive: () => !tracked.exited });
  } catch (error) {
    await stop();
    throw new Error(`Hangar did not become ready: ${error.message}\n${tracked.stderr}`, { cause: error });
  }
  return {
    url,
    pid: tracked.pid,
    dir,
    bootMs: performance.now() - began,
    rssKiB: () => rssKiB(tracked.pid),
    /** A new MCP session on `/mcp` (or the SSE fallback with `{sse: true}`). */
    connect: async ({ sse = false } = {}) => {
      const client = benchClient();
      await client.connect(
        sse ? new SSEClientTransport(new URL('/sse', url)) : new StreamableHTTPClientTransport(new URL('/mcp', url)),
      );
      return client;
    },
    stop,
  };
}

/**
 * Starts Hangar in stdio mode (no `--http`: it speaks MCP on stdin/stdout) and connects an SDK
 * client to it. Closing the client closes Hangar's stdin, which stops it; `close()` also removes
 * the temp dir. `cli` and `plugins` as for `startHangarHttp`.
 */
export async function connectHangarStdio(config, { nodeArgs = [], cli = CLI, plugins = [] } = {}) {
  const { dir, args } = prepare(config, plugins);
  const client = benchClient();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...nodeArgs, cli, ...args],
    cwd: ROOT,
    env: markedEnv(getDefaultEnvironment()),
    stderr: 'ignore',
  });
  await client.connect(transport);
  return {
    client,
    pid: transport.pid,
    close: async () => {
      await client.close();
      removeTempDir(dir);
    },
  };
}

/** Counts the stored events of `eventType` (for `serverId` if given) through `GET /api/events`. */
export async function countEvents(url, eventType, serverId) {
  let count = 0;
  for (let from = 1; ;) {
    const query = new URLSearchParams({ from_position: String(from), limit: '1000', event_type: eventType });
    if (serverId) query.set('mcp_server_id', serverId);
    const response = await fetch(`${url}/api/events?${query}`);
    if (response.status !== 200) throw new Error(`GET /api/events answered ${response.status}: ${await response.text()}`);
    const { events, next_position } = await response.json();
    count += events.length;
    if (events.length < 1000) return count;
    from = next_position;
  }
}
