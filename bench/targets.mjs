// The targets of issue 6, each checked against this run's results: `{target, measured, holds}`
// where `holds` is true, false, or null when the figures it needs were not measured.

const PEER_KEYS = ['supergateway', 'mcp-hub', 'mcp-proxy'];

const x = (value) => `${value.toFixed(2)}×`;

/**
 * The floor of streamable HTTP in the peers run: an SDK server answering `echo` itself, no
 * gateway and no upstream, ÷ direct stdio. No gateway on that transport can go below it.
 */
function httpFloor(peers) {
  const direct = peers?.rows?.find((row) => row.key === 'direct' && !row.notMeasured);
  const floors = (peers?.rows ?? []).filter((row) => row.key.startsWith('floor-') && row.key !== 'floor-raw' && !row.notMeasured);
  if (!direct || floors.length === 0) return '';
  return `; SDK streamable HTTP floor ${x(Math.min(...floors.map((row) => row.p50)) / direct.p50)}`;
}

function latencyTargets(latency, peers) {
  const out = [];
  for (const { tool, rows } of latency?.tools ?? []) {
    const http = rows.http.p50 / rows.direct.p50;
    const stdio = rows.stdio.p50 / rows.direct.p50;
    const relay = rows.relay ? `; byte-copying relay ${x(rows.relay.p50 / rows.direct.p50)}` : '';
    out.push({
      target: `Hangar /mcp p50 ≤ 2.5× direct stdio (${tool})`,
      measured: `${x(http)}${httpFloor(peers)}`,
      holds: http <= 2.5,
    });
    out.push({
      target: `Hangar stdio→stdio p50 ≤ 1.5× direct stdio (${tool})`,
      measured: `${x(stdio)}${relay}`,
      holds: stdio <= 1.5,
    });
  }
  if (out.length === 0) {
    out.push({ target: 'Hangar /mcp p50 ≤ 2.5× direct stdio', measured: 'not measured', holds: null });
    out.push({ target: 'Hangar stdio→stdio p50 ≤ 1.5× direct stdio', measured: 'not measured', holds: null });
  }
  return out;
}

/**
 * Hangar against every measured peer, each on the peer's own transport: Hangar /mcp against the
 * streamable HTTP peers, Hangar /sse against mcp-hub (whose unified endpoint is SSE only).
 */
function peerTargets(peers) {
  const rows = peers?.rows ?? [];
  const hangarFor = (peer) => rows.find((row) => row.key === (peer.transport.startsWith('SSE') ? 'hangar-sse' : 'hangar'));
  const pairs = rows
    .filter((row) => PEER_KEYS.includes(row.key) && !row.notMeasured)
    .map((peer) => ({ peer, hangar: hangarFor(peer) }))
    .filter(({ hangar }) => hangar && !hangar.notMeasured);
  const metrics = [
    { key: 'p50', target: 'Hangar p50 better than every peer', better: (h, p) => h < p },
    { key: 'p99', target: 'Hangar p99 better than every peer', better: (h, p) => h < p },
    { key: 'oneSession', target: 'Hangar calls/s, 1 session × 16 in flight, better than every peer', better: (h, p) => h > p },
    { key: 'sessions', target: 'Hangar calls/s, 16 sessions, ≥ 1.5× every peer', better: (h, p) => h >= 1.5 * p },
  ];
  return metrics.map(({ key, target, better }) => {
    if (pairs.length === 0) return { target, measured: 'not measured', holds: null };
    const measured = pairs
      .map(
        ({ peer, hangar }) =>
          `${peer.name.split(' ')[0]}${hangar.key === 'hangar-sse' ? ' (vs Hangar /sse)' : ''} ${x(hangar[key] / peer[key])}`,
      )
      .join(', ');
    return {
      target: `${target} (Hangar ÷ peer, same transport)`,
      measured,
      holds: pairs.every(({ peer, hangar }) => better(hangar[key], peer[key])),
    };
  });
}

function coldTargets(cold) {
  if (!cold || cold.error) {
    return [
      {
        target: '20 concurrent first calls: exactly one spawn, ≤ 1.2× one direct cold start',
        measured: 'not measured',
        holds: null,
      },
    ];
  }
  const one = cold.starts.every((n) => n === 1) && cold.spawned.every((n) => n === 1);
  const crowd = cold.crowdAll / cold.direct;
  return [
    {
      target: `${cold.crowd} concurrent first calls cost exactly one spawn`,
      measured: `McpServerStarted per round [${cold.starts}], new processes per round [${cold.spawned}]`,
      holds: one,
    },
    {
      target: `${cold.crowd} concurrent first calls ≤ 1.2× one direct cold start`,
      measured: `${cold.crowdAll.toFixed(0)} ms vs ${cold.direct.toFixed(0)} ms: ${x(crowd)}`,
      holds: crowd <= 1.2,
    },
  ];
}

/** Every target with its measured figure and whether it holds. */
export function evaluateTargets(results) {
  const scale = results.scale && !results.scale.error ? results.scale : undefined;
  const burst = results.events?.appends?.[0];
  return [
    ...latencyTargets(results.latency?.error ? undefined : results.latency, results.peers?.error ? undefined : results.peers),
    ...peerTargets(results.peers?.error ? undefined : results.peers),
    ...coldTargets(results.coldStart),
    {
      target: `${scale?.large.servers.toLocaleString('en') ?? '1,000'} servers: GET /api/mcp_servers < 20 ms median`,
      measured: scale ? `${scale.large.restList.toFixed(2)} ms` : 'not measured',
      holds: scale ? scale.large.restList < 20 : null,
    },
    {
      target: `${scale?.large.servers.toLocaleString('en') ?? '1,000'} servers: MCP tools/list < 20 ms median (Hangar's side: bare POST)`,
      measured: scale
        ? `${scale.large.toolsList.toFixed(2)} ms through the SDK client (${scale.large.toolsListed} tools); ${scale.large.rawToolsList.toFixed(2)} ms as a bare POST`
        : 'not measured',
      holds: scale ? scale.large.rawToolsList < 20 : null,
    },
    {
      target: 'event store ≥ 20k events/s batched (burst of 5,000 appends)',
      measured: burst ? `${Math.round(burst.batched.perSecond).toLocaleString('en')}/s` : 'not measured',
      holds: burst ? burst.batched.perSecond >= 20_000 : null,
    },
  ];
}

/** The targets as a markdown table with ✔ / ✘ (— when not measured). */
export function targetsTable(targets) {
  const mark = (holds) => (holds === true ? '✔' : holds === false ? '✘' : '—');
  return [
    '| target | measured | holds |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${mark(t.holds)} |`),
  ].join('\n');
}
