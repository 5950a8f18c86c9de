import test from 'ava';
import { ToolHistory } from './ToolHistory.js';

const entry = (tool: string) =>
  ({ correlation_id: `c-${tool}`, tool, status: 'completed', started_at: '2026-01-01T00:00:00.000Z', duration_ms: 1 }) as const;

test('positions start at 1 and increase per server', (t) => {
  const history = new ToolHistory();
  t.is(history.record('a', entry('x')).position, 1);
  t.is(history.record('a', entry('y')).position, 2);
  t.is(history.record('b', entry('z')).position, 1);
  t.deepEqual(
    history.query('a', { limit: 10, from_position: 0 }).history.map((r) => [r.position, r.tool]),
    [
      [1, 'x'],
      [2, 'y'],
    ],
  );
  t.is(history.query('b', { limit: 10, from_position: 0 }).total, 1);
});

test('from_position and limit page through the records; total counts all kept', (t) => {
  const history = new ToolHistory();
  for (let i = 1; i <= 10; i++) history.record('a', entry(`t${i}`));
  const page = history.query('a', { limit: 3, from_position: 4 });
  t.deepEqual(
    page.history.map((r) => r.position),
    [4, 5, 6],
  );
  t.is(page.total, 10);
  t.deepEqual(history.query('a', { limit: 3, from_position: 11 }).history, []);
});

test('an unknown server has an empty history', (t) => {
  t.deepEqual(new ToolHistory().query('nobody', { limit: 10, from_position: 0 }), { history: [], total: 0 });
});

test('beyond capacity the oldest records go, positions are never reused', (t) => {
  const history = new ToolHistory(5);
  for (let i = 1; i <= 23; i++) history.record('a', entry(`t${i}`));
  const page = history.query('a', { limit: 100, from_position: 0 });
  t.is(page.total, 5);
  t.deepEqual(
    page.history.map((r) => r.position),
    [19, 20, 21, 22, 23],
  );
  t.deepEqual(
    history.query('a', { limit: 2, from_position: 21 }).history.map((r) => r.position),
    [21, 22],
  );
});

test('forget drops a server and its positions restart', (t) => {
  const history = new ToolHistory();
  history.record('a', entry('x'));
  history.forget('a');
  t.is(history.query('a', { limit: 10, from_position: 0 }).total, 0);
  t.is(history.record('a', entry('y')).position, 1);
});
