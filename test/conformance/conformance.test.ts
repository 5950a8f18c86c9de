// The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios, active suite) run
// twice: against the fixture server directly (proves the fixture implements what the suite calls), then against
// Hangar's MCP face fronting the same fixture over stdio with `tool_naming: flat` (flat names keep the tool,
// prompt and resource names the scenarios ask for), the fixture never started before the suite runs.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { spawnTracked, startHttpFixture } from '../helpers/httpFixture.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const fixture = path.join(root, 'test', 'fixtures', 'conformance-server.mjs');
const preload = pathToFileURL(path.join(import.meta.dirname, 'globSyncPreload.mjs')).href;
const conformanceCli = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json')),
  'dist',
  'index.js',
);

/** Whole-suite budget: the active suite takes ~2 s; ava's inactivity timeout is 60 s. */
const SUITE_DEADLINE_MS = 45_000;

/** One check as the CLI writes it to `<output-dir>/server-<scenario>-<timestamp>/checks.json`. */
interface ConformanceCheck {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: { result?: { content?: { type: string; text?: string }[] } };
}

/**
 * The exact first text some scenarios must get from the fixture. The suite only checks that *some* text comes
 * back, so an `isError` "unknown tool" answer from a gateway that lost the name would pass it.
 */
const EXPECTED_TEXT: Readonly<Record<string, string>> = {
  'tools-call-simple-text': 'This is a simple text response for testing.',
  'tools-call-error': 'This tool intentionally returns an error for testing',
  'tools-call-sampling': 'LLM response: This is a test response from the client',
};

interface SuiteRun {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  /** Scenario names in the order the CLI announced them. */
  scenarios: string[];
  /** Checks by scenario; a scenario that crashed inside the CLI has no entry. */
  checks: Map<string, ConformanceCheck[]>;
}

async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `conformance server --url <url>` (active suite) with the Node 20 preload and collects every result. */
async function runActiveSuite(t: ExecutionContext, url: string): Promise<SuiteRun> {
  const outputDir = await tempDir(t, 'hangar-conformance-');
  const child = spawnTracked(t, process.execPath, [
    `--import=${preload}`,
    conformanceCli,
    'server',
    '--url',
    url,
    '--suite',
    'active',
    '-o',
    outputDir,
  ]);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, SUITE_DEADLINE_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(deadline);

  const scenarios = [...output.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((match) => match[1]!);
  const checks = new Map<string, ConformanceCheck[]>();
  for (const entry of await readdir(outputDir)) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry)?.[1];
    if (scenario === undefined) continue;
    const json = await readFile(path.join(outputDir, entry, 'checks.json'), 'utf8');
    checks.set(scenario, JSON.parse(json) as ConformanceCheck[]);
  }
  return { exitCode, timedOut, output, scenarios, checks };
}

/**
 * Every problem of a run, one line each: failing or warning checks (the CLI's own baseline logic counts a
 * WARNING as a failure too), scenarios that crashed without results, a timeout, a bad exit.
 */
function problemsOf(run: SuiteRun): string[] {
  const problems: string[] = [];
  if (run.timedOut) {
    const current = run.scenarios.at(-1) ?? '(none started)';
    problems.push(`suite killed after ${SUITE_DEADLINE_MS} ms, during scenario ${current}`);
  }
  const announced = /Running active suite \((\d+) scenarios\)/.exec(run.output);
  if (announced === null) problems.push('the CLI did not start the active suite');
  else if (!run.timedOut && run.scenarios.length !== Number(announced[1])) {
    problems.push(`the CLI announced ${announced[1]} scenarios but ran ${run.scenarios.length}`);
  }
  for (const scenario of run.scenarios) {
    const checks = run.checks.get(scenario);
    if (checks === undefined) {
      if (!run.timedOut || scenario !== run.scenarios.at(-1)) {
        problems.push(`${scenario}: no results (the scenario threw inside the CLI; see its output)`);
      }
      continue;
    }
    if (!checks.some((check) => check.status === 'SUCCESS')) problems.push(`${scenario}: no passing check`);
    for (const check of checks) {
      if (check.status === 'FAILURE' || check.status === 'WARNING') {
        problems.push(`${scenario}: ${check.name} ${check.status}: ${check.errorMessage ?? check.description}`);
      }
    }
    const expected = EXPECTED_TEXT[scenario];
    const actual = checks.find((check) => check.id === scenario)?.details?.result?.content?.[0]?.text;
    if (expected !== undefined && actual !== expected) {
      problems.push(`${scenario}: expected the fixture's text ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  }
  if (problems.length === 0 && run.exitCode !== 0) problems.push(`the CLI exited with ${run.exitCode}`);
  return problems;
}

function assertAllPassed(t: ExecutionContext, run: SuiteRun): void {
  const problems = problemsOf(run);
  // The CLI's own output only helps when the run itself went wrong (checks already carry their messages).
  const runWentWrong = run.timedOut || run.scenarios.some((scenario) => !run.checks.has(scenario));
  const tail = runWentWrong ? `\n\nCLI output (last 3000 chars):\n${run.output.slice(-3000)}` : '';
  t.deepEqual(problems, [], `conformance problems:\n  ${problems.join('\n  ')}${tail}`);
  t.true(run.scenarios.length > 0);
}

test('the fixture passes the active conformance suite directly', async (t) => {
  const url = (await startHttpFixture(t, fixture)).url;
  assertAllPassed(t, await runActiveSuite(t, url));
});

test('Hangar (tool_naming: flat) fronting a never-started fixture over stdio passes the active conformance suite', async (t) => {
  // Imported here so the direct test above still runs while core does not load.
  const { startHangar, tempDir: hangarTempDir, writeIn } = await import('../helpers/hangar.js');
  const dir = await hangarTempDir(t);
  const configFile = await writeIn(
    dir,
    'hangar.config.yaml',
    [
      'tool_naming: flat',
      'mcp_servers:',
      '  conformance:',
      '    mode: subprocess',
      `    command: ${JSON.stringify([process.execPath, fixture])}`,
      '',
    ].join('\n'),
  );
  const { url } = await startHangar(t, { configFile });
  // Nothing starts the upstream beforehand (no REST start, no warm, no predefined tools, a fresh data dir): the
  // suite's first listing, or its first flat name, starts it (list_start_timeout_s).
  const before = (await (await fetch(`${url}/api/mcp_servers/conformance/health`)).json()) as { state: string };
  t.is(before.state, 'cold');
  const run = await runActiveSuite(t, `${url}/mcp`);
  assertAllPassed(t, run);
  t.log(`${run.scenarios.length} scenarios passed through Hangar against a never-started server`);
});
