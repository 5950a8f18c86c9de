// Markdown for a bench run: one section per scenario, the headline table (for the README), the
// targets, and the method. Every function takes the data a scenario returned.
import { eventsTables } from './events.mjs';
import { LATENCY_PATHS } from './latency.mjs';
import { operationsFanoutTable } from './operationsFanout.mjs';
import { THROUGHPUT_PATHS } from './throughput.mjs';
import { ms, perSecond, ratio } from './lib/stats.mjs';
import { evaluateTargets, targetsTable } from './targets.mjs';

/** The peer gateways (rows of the peers scenario that are neither Hangar, a reference, nor the baseline). */
const PEER_KEYS = ['supergateway', 'mcp-hub', 'mcp-proxy'];

const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
const mib = (value) => `${value.toFixed(1)} MiB`;
const roundsOf = (n) => `${n} round${n === 1 ? '' : 's'}`;

function bootSection({ rounds, rows }) {
  const [base] = rows;
  return [
    `Spawn of the compiled CLI → first 200 on \`/ready\`; RSS at that moment. Medians of ${roundsOf(rounds)}.`,
    '',
    table(
      ['scenario', 'spawn → /ready', 'RSS at ready', 'time ÷ baseline'],
      rows.map((row) => [row.name, ms(row.ms), mib(row.rssMiB), ratio(row.ms, base.ms)]),
    ),
  ].join('\n');
}

function latencySection({ rounds, calls, warmup, tools }) {
  const rows = [];
  for (const { tool, rows: paths } of tools) {
    for (const [key, name] of Object.entries(LATENCY_PATHS)) {
      const row = paths[key];
      if (!row) continue;
      rows.push([
        tool,
        name,
        ms(row.p50),
        ms(row.p90),
        ms(row.p99),
        ratio(row.p50, paths.direct.p50),
        ratio(row.p99, paths.direct.p99),
      ]);
    }
  }
  return [
    `Sequential calls, one session per path: ${warmup} warm-up calls, then ${calls} timed; percentiles per round, medians of ${roundsOf(rounds)}.`,
    '',
    table(['tool', 'path', 'p50', 'p90', 'p99', 'p50 ÷ direct', 'p99 ÷ direct'], rows),
  ].join('\n');
}

function throughputSection({ rounds, total, inFlight, tool, rows }) {
  return [
    `${tool}: ${total} calls kept ${inFlight} in flight, after a warm-up; medians of ${roundsOf(rounds)}. One upstream process on every path.`,
    '',
    table(
      ['path', 'calls/s', '÷ direct'],
      Object.entries(THROUGHPUT_PATHS)
        .filter(([key]) => rows[key] !== undefined)
        .map(([key, name]) => [name, perSecond(rows[key]), ratio(rows[key], rows.direct)]),
    ),
  ].join('\n');
}

function coldStartSection(cold) {
  return [
    `math \`add\`; each round uses servers that never started. Medians of ${roundsOf(cold.rounds)}.`,
    '',
    table(
      ['what', 'time', '÷ direct cold start'],
      [
        ['direct: spawn + initialize + call (baseline)', ms(cold.direct), '1.00×'],
        ['Hangar /mcp: first call to a cold server (session already open)', ms(cold.first), ratio(cold.first, cold.direct)],
        [
          `Hangar /mcp: ${cold.crowd} concurrent first calls from ${cold.crowd} sessions, until the last answers`,
          ms(cold.crowdAll),
          ratio(cold.crowdAll, cold.direct),
        ],
      ],
    ),
    '',
    `Single flight, per round: \`McpServerStarted\` events for the crowd's server [${cold.starts.join(', ')}]; new math processes [${cold.spawned.join(', ')}].`,
  ].join('\n');
}

function fanoutSection({ rounds, servers, iterations, direct, hangar }) {
  return [
    `One client calls ${servers} different math servers at once and waits for all; ${iterations} fan-outs per round, medians of ${roundsOf(rounds)}.`,
    '',
    table(
      ['path', 'p50', 'p90', 'p99', 'p50 ÷ direct'],
      [
        [`${servers} direct SDK stdio clients (baseline)`, ms(direct.p50), ms(direct.p90), ms(direct.p99), '1.00×'],
        [
          `Hangar /mcp, one session, ${servers} servers`,
          ms(hangar.p50),
          ms(hangar.p90),
          ms(hangar.p99),
          ratio(hangar.p50, direct.p50),
        ],
      ],
    ),
  ].join('\n');
}

function scaleSection({ samples, small, large }) {
  const row = (name, key, format) => [name, format(small[key]), format(large[key]), ratio(large[key], small[key])];
  return [
    `Registered servers that never start, each with 2 predefined tools. Latencies: median of ${samples} after a warm-up.`,
    '',
    table(
      ['', `${small.servers} servers (baseline)`, `${large.servers.toLocaleString('en')} servers`, 'ratio'],
      [
        row('boot: spawn → /ready', 'bootMs', ms),
        row('Hangar RSS at ready', 'rssAtReadyMiB', mib),
        row('Hangar RSS after the measurements', 'rssAfterMiB', mib),
        row('`GET /api/mcp_servers`', 'restList', ms),
        row('… response size', 'listBytes', (v) => `${(v / 1024).toFixed(1)} KiB`),
        row('MCP `tools/list` (SDK client)', 'toolsList', ms),
        row('MCP `tools/list` (bare POST, no client validation)', 'rawToolsList', ms),
        row('… tools listed (incl. meta tools)', 'toolsListed', String),
      ],
    ),
  ].join('\n');
}

function wsSection(ws) {
  return [
    `${ws.clients} WebSocket clients subscribed to everything while ${ws.total} REST invokes (16 in flight) make events. Medians of ${roundsOf(ws.rounds)}; the clients share the bench's one event loop, so the lag includes their own queueing.`,
    '',
    table(
      ['', 'value'],
      [
        ['load without clients (baseline)', perSecond(ws.baselineCallsPerSecond)],
        [
          `load with ${ws.clients} clients`,
          `${perSecond(ws.callsPerSecond)} (${ratio(ws.callsPerSecond, ws.baselineCallsPerSecond)})`,
        ],
        ['events per round / frames delivered', `${ws.events} / ${ws.frames.toLocaleString('en')}`],
        ['frames delivered per second (all clients)', perSecond(ws.framesPerSecond)],
        ['events received by every client', `${ws.complete}`],
        ['lag with 1 client (baseline), p50 / p99', `${ms(ws.singleLagP50)} / ${ms(ws.singleLagP99)}`],
        [
          `slowest of ${ws.clients} clients' lag (publish → last client), p50 / p99 / max`,
          `${ms(ws.lagP50)} / ${ms(ws.lagP99)} / ${ms(ws.lagMax)} (p50 ${ratio(ws.lagP50, ws.singleLagP50)})`,
        ],
        ['frames dropped (warning frames, all rounds)', `${ws.dropped}`],
      ],
    ),
  ].join('\n');
}

function peersSection(peers) {
  const direct = peers.rows.find((row) => row.key === 'direct');
  const rows = peers.rows.map((row) =>
    row.notMeasured
      ? [
          row.name,
          row.transport,
          `not measured: ${row.notMeasured.replaceAll('|', '/').replaceAll('\n', ' ')}`,
          '',
          '',
          '',
          '',
          '',
        ]
      : [
          row.name,
          row.transport,
          ms(row.p50),
          ms(row.p90),
          ms(row.p99),
          perSecond(row.oneSession),
          Number.isFinite(row.sessions) ? perSecond(row.sessions) : '—',
          direct && !direct.notMeasured ? ratio(row.p50, direct.p50) : 'n/a',
        ],
  );
  return [
    `server-everything \`echo\` behind each gateway, the same SDK client for all: ${peers.calls} sequential calls per round; calls/s over ${peers.total} calls with ${peers.sessions} in flight on 1 session, and on ${peers.sessions} sessions (1 each). Medians of ${roundsOf(peers.rounds)}, gateways measured round-robin.`,
    '',
    table(
      [
        'gateway',
        'transport',
        'p50',
        'p90',
        'p99',
        `calls/s 1 session × ${peers.sessions}`,
        `calls/s ${peers.sessions} sessions`,
        'p50 ÷ direct',
      ],
      rows,
    ),
  ].join('\n');
}

function operationsFanoutSection(result) {
  return [
    `One operation streams ${result.events.toLocaleString('en')} progress events to ${result.clients} \`/api/ws/operations\` clients (queue ${result.queueSize}); one run, no baseline.`,
    '',
    operationsFanoutTable(result),
  ].join('\n');
}

const SECTIONS = {
  boot: ['Boot', bootSection],
  latency: ['Per-call latency', latencySection],
  throughput: ['Throughput', throughputSection],
  coldStart: ['Cold start and single flight', coldStartSection],
  fanout: ['Fan-out to 10 servers', fanoutSection],
  scale: ['Scale: 1,000 registered servers', scaleSection],
  ws: ['`/api/ws/events` fan-out', wsSection],
  peers: ['Peers (same run, same client)', peersSection],
  operations: ['`/api/ws/operations` fan-out (operationsFanout.mjs)', operationsFanoutSection],
  events: ['Event store (SQLite, WAL, in the OS temp dir)', eventsTables],
};

/**
 * The headline table for the README: the few ratios that say the most, each against its
 * same-run baseline. Rows whose scenario did not run are left out.
 */
export function headlineTable(results) {
  const rows = [];
  const ok = (key) => results[key] && !results[key].error;
  if (ok('latency')) {
    const echo = results.latency.tools[0];
    const { direct, http, stdio } = echo.rows;
    rows.push([`${echo.tool} p50, Hangar /mcp`, ms(http.p50), `direct stdio ${ms(direct.p50)}`, ratio(http.p50, direct.p50)]);
    rows.push([
      `${echo.tool} p50, Hangar stdio mode`,
      ms(stdio.p50),
      `direct stdio ${ms(direct.p50)}`,
      ratio(stdio.p50, direct.p50),
    ]);
  }
  if (ok('peers')) {
    // Same transport only: Hangar /mcp against the streamable HTTP peers, /sse against SSE ones.
    for (const [hangarKey, sse] of [
      ['hangar', false],
      ['hangar-sse', true],
    ]) {
      const hangar = results.peers.rows.find((row) => row.key === hangarKey && !row.notMeasured);
      const peers = results.peers.rows.filter(
        (row) => PEER_KEYS.includes(row.key) && !row.notMeasured && row.transport.startsWith('SSE') === sse,
      );
      if (!hangar || peers.length === 0) continue;
      const best = peers.reduce((a, b) => (a.sessions >= b.sessions ? a : b));
      const fastest = peers.reduce((a, b) => (a.p50 <= b.p50 ? a : b));
      const peerName = (row) => row.name.split(' ')[0];
      rows.push([
        `${hangar.name}: \`echo\` p50`,
        ms(hangar.p50),
        `${peerName(fastest)} ${ms(fastest.p50)}`,
        ratio(hangar.p50, fastest.p50),
      ]);
      rows.push([
        `${hangar.name}: calls/s, 16 sessions`,
        perSecond(hangar.sessions),
        `${peerName(best)} ${perSecond(best.sessions)}`,
        ratio(hangar.sessions, best.sessions),
      ]);
    }
  }
  if (ok('coldStart')) {
    const cold = results.coldStart;
    const spawns = cold.starts.every((n) => n === 1) ? '1 spawn' : `spawns ${cold.starts.join('/')}`;
    rows.push([
      `${cold.crowd} concurrent first calls (${spawns})`,
      ms(cold.crowdAll),
      `one direct cold start ${ms(cold.direct)}`,
      ratio(cold.crowdAll, cold.direct),
    ]);
  }
  if (ok('scale')) {
    const { small, large } = results.scale;
    rows.push([
      `\`GET /api/mcp_servers\`, ${large.servers.toLocaleString('en')} servers`,
      ms(large.restList),
      `${small.servers} servers ${ms(small.restList)}`,
      ratio(large.restList, small.restList),
    ]);
  }
  if (ok('events')) {
    const burst = results.events.appends[0];
    rows.push([
      'event store appends (burst, batched)',
      perSecond(burst.batched.perSecond),
      `unbatched ${perSecond(burst.unbatched.perSecond)}`,
      ratio(burst.batched.perSecond, burst.unbatched.perSecond),
    ]);
  }
  if (ok('ws')) {
    const ws = results.ws;
    rows.push([
      `\`/api/ws/events\` → ${ws.clients} clients, frames/s`,
      perSecond(ws.framesPerSecond),
      `lag p99 ${ms(ws.lagP99)}`,
      `load ${ratio(ws.callsPerSecond, ws.baselineCallsPerSecond)} of no-client`,
    ]);
  }
  return table(['figure (same run, medians)', 'Hangar', 'baseline', 'ratio'], rows);
}

const METHOD = `Every figure is measured against a baseline in the same run and read as a ratio; absolute times
are not comparable across runs or machines (this is a shared 2-core box). Hangar always runs as a
child process (the compiled CLI, kernel alone: \`{"plugins": []}\`, default SQLite event store in a
temp dir, log level warn), so the bench client never shares its event loop; peers run the same
way under a loopback-only preload (bench/peers/loopbackOnly.mjs). Paths are measured round-robin
within each round, starting at a different path each round; percentiles are per round and the
tables show their median over rounds. Every process runs in its own process group with a marker in
its environment; the run ends by checking that no marked process is left.`;

/** The whole results file. */
export function resultsMarkdown(meta, results) {
  const lines = [
    `# Hangar bench — ${meta.date}`,
    '',
    `Machine: ${meta.cores} × ${meta.cpuModel}, ${meta.memGiB.toFixed(0)} GiB; ${meta.os}; node ${meta.node}; commit ${meta.commit}. Load average at start ${meta.loadStart}, at end ${meta.loadEnd}. Wall time ${(meta.wallMs / 1000).toFixed(0)} s.`,
    '',
    '## Headline',
    '',
    headlineTable(results),
    '',
    '## Targets',
    '',
    targetsTable(evaluateTargets(results)),
  ];
  for (const [key, [title, render]] of Object.entries(SECTIONS)) {
    if (!(key in results)) continue;
    lines.push('', `## ${title}`, '');
    lines.push(results[key].error ? `not measured: ${results[key].error}` : render(results[key]));
  }
  lines.push(
    '',
    '## Method',
    '',
    METHOD,
    '',
    `Processes left after the run: ${meta.leftovers}; temp dirs removed: ${meta.tempDirs}.`,
  );
  return `${lines.join('\n')}\n`;
}
