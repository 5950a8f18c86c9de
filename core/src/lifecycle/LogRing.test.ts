import test from 'ava';
import { LogRing, type ServerLogEntry } from './LogRing.js';

const entry = (n: number): ServerLogEntry => ({
  timestamp: new Date(n * 1000).toISOString(),
  line: `line ${n}`,
  mcp_server_id: 'echo',
  stream: 'stderr',
});

const lines = (entries: ServerLogEntry[]) => entries.map((e) => e.line);

test('an empty ring has no entries', (t) => {
  const ring = new LogRing();
  t.is(ring.capacity, 1000);
  t.is(ring.size, 0);
  t.deepEqual(ring.tail(10), []);
});

test('tail returns the most recent n entries, oldest first', (t) => {
  const ring = new LogRing(10);
  for (let n = 1; n <= 5; n++) ring.push(entry(n));
  t.is(ring.size, 5);
  t.deepEqual(lines(ring.tail(3)), ['line 3', 'line 4', 'line 5']);
  t.deepEqual(lines(ring.tail(100)), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  t.deepEqual(ring.tail(0), []);
  t.deepEqual(ring.tail(-1), []);
});

test('a full ring drops the oldest entries and keeps its capacity', (t) => {
  const ring = new LogRing(3);
  for (let n = 1; n <= 7; n++) ring.push(entry(n));
  t.is(ring.size, 3);
  t.deepEqual(lines(ring.tail(3)), ['line 5', 'line 6', 'line 7']);
  t.deepEqual(lines(ring.tail(2)), ['line 6', 'line 7']);
});

test('the default ring keeps the last 1000 of many lines in order', (t) => {
  const ring = new LogRing();
  for (let n = 1; n <= 2500; n++) ring.push(entry(n));
  t.is(ring.size, 1000);
  const tail = ring.tail(1000);
  t.is(tail[0]?.line, 'line 1501');
  t.is(tail.at(-1)?.line, 'line 2500');
  t.true(tail.every((e, i) => e.line === `line ${1501 + i}`));
});

test('clear empties the ring, which then fills again from the start', (t) => {
  const ring = new LogRing(2);
  for (let n = 1; n <= 3; n++) ring.push(entry(n));
  ring.clear();
  t.is(ring.size, 0);
  ring.push(entry(9));
  t.deepEqual(lines(ring.tail(5)), ['line 9']);
});

test('a capacity below 1 is refused', (t) => {
  t.throws(() => new LogRing(0), { instanceOf: RangeError });
});
