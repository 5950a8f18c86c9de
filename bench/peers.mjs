// Peers in the same run: other MCP gateways, installed from npm into bench/peers/ on first use,
// each fronting the same server-everything and driven by the same SDK client as Hangar. For each:
// p50/p90/p99 of sequential `echo` calls, calls/s with 16 in flight on one session, and calls/s
// with 16 sessions (one call in flight each). A peer that fails to install, start or answer is
// reported as "not measured: <reason>" and the others go on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { withCleanup } from './lib/cleanup.mjs';
import { serverEntry, startHangarHttp } from './lib/hangar.mjs';
import { mcpCall, sequentialSamples, throughput } from './lib/load.mjs';
import { freePort, waitForHttp } from './lib/net.mjs';
import { MARKER, MARKER_NAME, spawnTracked, stopTracked } from './lib/processes.mjs';
import { benchClient, connectDirect, EVERYTHING, ROOT } from './lib/servers.mjs';
import { latencySummary, median, medianOfRounds } from './lib/stats.mjs';
import { makeTempDir, removeTempDir } from './lib/tempDirs.mjs';

const PEERS_DIR = path.join(ROOT, 'bench', 'peers');
const GUARD = path.join(PEERS_DIR, 'loopbackOnly.mjs');
const FLOOR = path.join(ROOT, 'bench', 'lib', 'floorServer.mjs');
const SESSIONS = 16;
const EVERYTHING_CMD = EVERYTHING.command.map((part) => `'${part}'`).join(' ');

/** Installs bench/peers/ when its node_modules is missing; returns `undefined` or why it failed. */
export function ensurePeersInstalled() {
  if (existsSync(path.join(PEERS_DIR, 'node_modules'))) return undefined;
  console.error('bench: installing the peer gateways into bench/peers/ ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // The lock file keeps package names and integrity only, no download addresses.
  const result = spawnSync(
    npm,
    ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--omit-lockfile-registry-resolved'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (result.status === 0) return undefined;
  const output = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' ');
  return `npm install failed (${result.status ?? result.signal}): ${output}`;
}

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

/** Starts a peer's bin under the loopback guard, in a temp dir, and waits until `readyUrl` is accepted. */
async function startPeer({ bin, args, env = {}, readyUrl, accept, dir }) {
  const tracked = spawnTracked(process.execPath, ['--import', GUARD, path.join(PEERS_DIR, 'node_modules', bin), ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
  });
  const stop = async () => {
    await stopTracked(tracked);
    removeTempDir(dir);
  };
  try {
    await waitForHttp(readyUrl, { timeoutMs: 60_000, accept, alive: () => !tracked.exited });
  } catch (error) {
    await stop();
    const stderr = tracked.stderr.trim().split('\n').slice(-2).join(' ');
    throw new Error(`${error.message}${stderr ? `; stderr: ${stderr}` : ''}`, { cause: error });
  }
  return stop;
}

const httpClient =
  (url, { sse = false } = {}) =>
  async () => {
    const client = benchClient();
    await client.connect(sse ? new SSEClientTransport(new URL(url)) : new StreamableHTTPClientTransport(new URL(url)));
    return client;
  };

/** The transport floor (lib/floorServer.mjs): no gateway, no upstream. */
async function startFloor(answers) {
  const port = await freePort();
  const tracked = spawnTracked(process.execPath, [FLOOR, String(port), answers], { cwd: ROOT });
  const stop = () => stopTracked(tracked);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, { alive: () => !tracked.exited });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, url: `http://127.0.0.1:${port}` };
}

/**
 * A stand-in for an MCP client whose `callTool` is one bare `fetch` POST with a JSON-RPC body:
 * the HTTP round trip without any MCP machinery on either side.
 */
function rawHttpClient(url) {
  return {
    callTool: async (request) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: request }),
      });
      return (await response.json()).result;
    },
    close: async () => {},
  };
}

/** The peers: how to start each in front of server-everything, and the tool name it exposes. */
const PEERS = [
  {
    key: 'supergateway',
    label: () => `supergateway ${installedVersion('supergateway')} (\`--stateful\`)`,
    transport: 'streamable HTTP',
    tool: 'echo',
    async start() {
      const port = await freePort();
      const stop = await startPeer({
        dir: makeTempDir('hangar-bench-supergateway-'),
        bin: 'supergateway/dist/index.js',
        args: [
          ...['--stdio', EVERYTHING_CMD, '--outputTransport', 'streamableHttp', '--stateful'],
          ...['--port', String(port), '--logLevel', 'none', '--healthEndpoint', '/healthz'],
        ],
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      });
      return { stop, connect: httpClient(`http://127.0.0.1:${port}/mcp`) };
    },
  },
  {
    key: 'mcp-hub',
    label: () => `mcp-hub ${installedVersion('mcp-hub')}`,
    transport: 'SSE (its `/mcp` serves SSE only)',
    tool: `${EVERYTHING.name}__${EVERYTHING.tool}`,
    async start() {
      const port = await freePort();
      const dir = makeTempDir('hangar-bench-mcp-hub-');
      const [command, ...args] = EVERYTHING.command;
      writeFileSync(
        path.join(dir, 'mcp-hub.json'),
        JSON.stringify({ mcpServers: { [EVERYTHING.name]: { command, args, env: { [MARKER_NAME]: MARKER } } } }),
      );
      // mcp-hub keeps state under XDG dirs and fetches a marketplace catalogue at boot unless its
      // cache is fresh: a fresh, empty-ish cache in the temp dir keeps it off the network.
      const cache = path.join(dir, 'data', 'mcp-hub', 'cache');
      mkdirSync(cache, { recursive: true });
      writeFileSync(
        path.join(cache, 'registry.json'),
        JSON.stringify({ registry: { servers: [{ id: 'none' }] }, lastFetchedAt: Date.now(), serverDocumentation: {} }),
      );
      const stop = await startPeer({
        dir,
        bin: 'mcp-hub/dist/cli.js',
        args: ['--port', String(port), '--config', path.join(dir, 'mcp-hub.json')],
        env: {
          HOME: dir,
          XDG_DATA_HOME: path.join(dir, 'data'),
          XDG_STATE_HOME: path.join(dir, 'state'),
          XDG_CONFIG_HOME: path.join(dir, 'config'),
        },
        readyUrl: `http://127.0.0.1:${port}/api/health`,
        accept: async (response) => {
          if (response.status !== 200) return false;
          const health = await response.json();
          return health.state === 'ready' && health.servers?.some((server) => server.status === 'connected');
        },
      });
      return { stop, connect: httpClient(`http://127.0.0.1:${port}/mcp`, { sse: true }) };
    },
  },
  {
    key: 'mcp-proxy',
    label: () => `mcp-proxy ${installedVersion('mcp-proxy')}`,
    transport: 'streamable HTTP',
    tool: 'echo',
    async start() {
      const port = await freePort();
      const stop = await startPeer({
        dir: makeTempDir('hangar-bench-mcp-proxy-'),
        bin: 'mcp-proxy/dist/bin/mcp-proxy.mjs',
        args: ['--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', ...EVERYTHING.command],
        readyUrl: `http://127.0.0.1:${port}/ping`,
      });
      return { stop, connect: httpClient(`http://127.0.0.1:${port}/mcp`) };
    },
  },
];

/**
 * Returns `{rounds, calls, total, sessions, rows: [{key, name, transport, notMeasured?, p50, p90,
 * p99, oneSession, sessions}]}`: the direct baseline, the transport floor, Hangar, then the peers.
 */
export async function benchPeers({ rounds = 5, calls = 400, warmup = 50, total = 1000 } = {}) {
  const installError = ensurePeersInstalled();
  return withCleanup(async (defer) => {
    const rows = [];
    let rawRow;
    const add = async (row, open) => {
      rows.push(row);
      try {
        const opened = await open();
        defer(opened.stop);
        row.clients = [];
        for (let i = 0; i < (opened.sessions ?? SESSIONS); i++) {
          const client = await opened.connect();
          defer(() => client.close());
          row.clients.push(client);
        }
        row.tool = opened.tool;
      } catch (error) {
        row.notMeasured = `did not start: ${error.message}`;
      }
    };

    await add({ key: 'direct', name: 'direct SDK stdio (baseline)', transport: 'stdio' }, async () => ({
      stop: async () => {},
      connect: () => connectDirect(EVERYTHING),
      sessions: 1,
      tool: EVERYTHING.tool,
    }));
    for (const answers of ['sse', 'json']) {
      await add(
        {
          key: `floor-${answers}`,
          name: `reference: SDK server answering \`echo\` itself (${answers} answers)`,
          transport: 'streamable HTTP',
        },
        async () => {
          const floor = await startFloor(answers);
          if (answers === 'json') {
            const raw = rawHttpClient(`${floor.url}/raw`);
            rawRow = { stop: async () => {}, connect: async () => raw, sessions: 1, tool: EVERYTHING.tool };
          }
          return { stop: floor.stop, connect: httpClient(`${floor.url}/mcp`), tool: EVERYTHING.tool };
        },
      );
    }
    if (rawRow) {
      const row = { key: 'floor-raw', name: 'reference: bare `fetch` POST → node:http, no MCP', transport: 'HTTP' };
      await add(row, async () => rawRow);
    }
    const hangarConfig = { mcp_servers: { [EVERYTHING.name]: serverEntry(EVERYTHING) } };
    const hangar = await startHangarHttp(hangarConfig);
    defer(hangar.stop);
    const hangarTool = `${EVERYTHING.name}__${EVERYTHING.tool}`;
    await add({ key: 'hangar', name: 'Hangar /mcp', transport: 'streamable HTTP' }, async () => ({
      stop: async () => {},
      connect: () => hangar.connect(),
      tool: hangarTool,
    }));
    await add({ key: 'hangar-sse', name: 'Hangar /sse', transport: 'SSE' }, async () => ({
      stop: async () => {},
      connect: () => hangar.connect({ sse: true }),
      tool: hangarTool,
    }));
    for (const peer of PEERS) {
      const row = { key: peer.key, name: peer.label(), transport: peer.transport };
      if (installError) {
        rows.push({ ...row, notMeasured: installError });
        continue;
      }
      await add(row, async () => ({ ...(await peer.start()), tool: peer.tool }));
    }

    const measured = () => rows.filter((row) => !row.notMeasured);
    for (const row of measured()) row.results = { latency: [], oneSession: [], sessions: [] };
    for (let round = 0; round < rounds; round++) {
      const order = measured();
      for (let k = 0; k < order.length; k++) {
        const row = order[(k + round) % order.length];
        if (row.notMeasured) continue;
        const calls1 = row.clients.map((client) => mcpCall(client, row.tool, EVERYTHING.arguments));
        try {
          row.results.latency.push(latencySummary(await sequentialSamples(calls1[0], { calls, warmup })));
          row.results.oneSession.push(await throughput([calls1[0]], { inFlight: SESSIONS, total, warmup: 50 }));
          if (calls1.length === SESSIONS)
            row.results.sessions.push(await throughput(calls1, { inFlight: SESSIONS, total, warmup: 50 }));
        } catch (error) {
          row.notMeasured = `failed while measured: ${error.message}`;
        }
      }
    }
    return {
      rounds,
      calls,
      total,
      sessions: SESSIONS,
      rows: rows.map(({ key, name, transport, notMeasured, results }) =>
        notMeasured
          ? { key, name, transport, notMeasured }
          : {
              key,
              name,
              transport,
              ...medianOfRounds(results.latency),
              oneSession: median(results.oneSession),
              sessions: results.sessions.length > 0 ? median(results.sessions) : NaN,
            },
      ),
    };
  });
}
