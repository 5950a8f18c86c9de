import test from 'ava';
import { backoffMs } from './backoff.js';

test('backoff doubles per failure and caps at 60 s', (t) => {
  const middle = () => 0.5;
  t.deepEqual(
    [0, 1, 2, 3, 5, 6, 7, 20].map((n) => backoffMs(n, middle)),
    [1000, 2000, 4000, 8000, 32000, 60000, 60000, 60000],
  );
});

test('backoff jitter stays within ±10 %', (t) => {
  t.is(
    backoffMs(3, () => 0),
    7200,
  );
  t.is(
    backoffMs(3, () => 0.999999),
    8800,
  );
});
