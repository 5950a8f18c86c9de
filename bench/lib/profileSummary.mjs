// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top functions by self time with
// file:line, self time by package or Hangar folder, and the top functions of Hangar's own compiled
// files (core/dist) by inclusive time. Usable as a CLI:
//   node bench/lib/profileSummary.mjs CPU.….cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OWN = `${path.sep}core${path.sep}dist${path.sep}`;

/** A readable location: repo-relative path (or `node:…`) and 1-based line. */
function location({ url, lineNumber }) {
  if (!url) return '';
  let file = url;
  if (url.startsWith('file://')) file = path.relative(ROOT, fileURLToPath(url));
  else if (!url.startsWith('node:')) file = path.isAbsolute(url) ? path.relative(ROOT, url) : url;
  return `${file}:${lineNumber + 1}`;
}

/** Where a frame's time goes when grouped: an npm package, a core/dist folder, node internals, or a V8 pseudo-frame. */
function area({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const own = url.indexOf('/core/dist/');
  if (own >= 0) return `core/dist/${url.slice(own + '/core/dist/'.length).split('/')[0]}`;
  return url;
}

const keyOf = ({ functionName, url, lineNumber, columnNumber }) => `${functionName}|${url}|${lineNumber}|${columnNumber}`;

/**
 * Reads a profile and returns `{totalMs, idleMs, self: [...], areas: [...], ownInclusive: [...]}`,
 * each list sorted by time, entries `{name, where, ms, share}` (share of non-idle time).
 */
export function summariseProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByNode = new Map();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + ms);
  });

  const self = new Map();
  const areas = new Map();
  const inclusive = new Map();
  let idleMs = 0;
  for (const [id, ms] of selfByNode) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const key = keyOf(frame);
    const entry = self.get(key) ?? { frame, ms: 0 };
    entry.ms += ms;
    self.set(key, entry);
    areas.set(area(frame), (areas.get(area(frame)) ?? 0) + ms);
    // Inclusive time of Hangar's own functions: each function counted once per stack.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const callFrame = nodes.get(at).callFrame;
      if (!callFrame.url.includes(OWN.replaceAll(path.sep, '/'))) continue;
      const ownKey = keyOf(callFrame);
      if (seen.has(ownKey)) continue;
      seen.add(ownKey);
      const own = inclusive.get(ownKey) ?? { frame: callFrame, ms: 0 };
      own.ms += ms;
      inclusive.set(ownKey, own);
    }
  }
  const busyMs = totalMs - idleMs;
  const rows = (map) =>
    [...map.values()]
      .sort((a, b) => b.ms - a.ms)
      .map(({ frame, ms }) => ({ name: frame.functionName || '(anonymous)', where: location(frame), ms, share: ms / busyMs }));
  return {
    totalMs,
    idleMs,
    busyMs,
    self: rows(self),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms, share: ms / busyMs })),
    ownInclusive: rows(inclusive),
  };
}

/** The summary as markdown: top `top` by self time, by area, and Hangar's own by inclusive time. */
export function profileMarkdown(summary, { top = 25 } = {}) {
  const pct = (share) => `${(share * 100).toFixed(1)} %`;
  const lines = [
    `Sampled ${summary.totalMs.toFixed(0)} ms, of which idle ${summary.idleMs.toFixed(0)} ms; shares below are of the ${summary.busyMs.toFixed(0)} ms busy.`,
    '',
    `**Top ${top} functions by self time**`,
    '',
    '| # | self | share | function | file:line |',
    '|---|---|---|---|---|',
    ...summary.self
      .slice(0, top)
      .map((row, i) => `| ${i + 1} | ${row.ms.toFixed(0)} ms | ${pct(row.share)} | \`${row.name}\` | ${row.where} |`),
    '',
    '**Self time by package / Hangar folder**',
    '',
    '| area | self | share |',
    '|---|---|---|',
    ...summary.areas.slice(0, 15).map((row) => `| ${row.name} | ${row.ms.toFixed(0)} ms | ${pct(row.share)} |`),
    '',
    `**Hangar's own functions (core/dist) by inclusive time (top ${top})**`,
    '',
    '| # | inclusive | share | function | file:line |',
    '|---|---|---|---|---|',
    ...summary.ownInclusive
      .slice(0, top)
      .map((row, i) => `| ${i + 1} | ${row.ms.toFixed(0)} ms | ${pct(row.share)} | \`${row.name}\` | ${row.where} |`),
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  if (args.length === 0) {
    console.error('usage: node bench/lib/profileSummary.mjs FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  for (const file of args) console.log(`### ${path.basename(file)}\n\n${profileMarkdown(summariseProfile(file), { top })}\n`);
}
