import os from 'node:os';
import test from 'ava';
import { AccessDeniedError } from '../errors.js';
import { checkHostAndOrigin, type HostCheckRequest } from './hostCheck.js';

const local = (host: string | undefined, origin?: string): HostCheckRequest => ({
  host,
  origin,
  localAddress: '127.0.0.1',
  localPort: 8000,
});

test('on loopback only loopback names with the right port pass', (t) => {
  for (const host of ['127.0.0.1:8000', 'localhost:8000', 'LOCALHOST:8000', '[::1]:8000']) {
    t.notThrows(() => checkHostAndOrigin(local(host), '127.0.0.1'), host);
  }
  for (const host of ['evil.example:8000', 'localhost:8001', 'localhost', '127.0.0.1.evil.example:8000', undefined, '']) {
    t.throws(() => checkHostAndOrigin(local(host), '127.0.0.1'), { instanceOf: AccessDeniedError }, String(host));
  }
  t.throws(() => checkHostAndOrigin(local(`${os.hostname()}:8000`), '127.0.0.1'), { instanceOf: AccessDeniedError });
});

test('an Origin, when present, must be a loopback http(s) origin', (t) => {
  for (const origin of ['http://localhost', 'http://localhost:5173', 'https://127.0.0.1:8000', 'http://[::1]:3000']) {
    t.notThrows(() => checkHostAndOrigin(local('localhost:8000', origin), '127.0.0.1'), origin);
  }
  for (const origin of ['http://evil.example', 'null', 'file://localhost', 'http://localhost.evil.example', 'garbage']) {
    t.throws(() => checkHostAndOrigin(local('localhost:8000', origin), '127.0.0.1'), { instanceOf: AccessDeniedError }, origin);
  }
});

test('on a non-loopback host its own name, the machine name and the dialled address pass too', (t) => {
  const request = (host: string): HostCheckRequest => ({ host, origin: undefined, localAddress: '10.0.0.5', localPort: 8000 });
  for (const host of ['hangar.internal:8000', `${os.hostname()}:8000`, '10.0.0.5:8000', 'localhost:8000']) {
    t.notThrows(() => checkHostAndOrigin(request(host), 'hangar.internal'), host);
  }
  t.throws(() => checkHostAndOrigin(request('evil.example:8000'), 'hangar.internal'), { instanceOf: AccessDeniedError });
  t.notThrows(
    () => checkHostAndOrigin(request('10.0.0.5:8000'), '0.0.0.0'),
    'a wildcard listen host accepts the dialled address',
  );
});

test('without a known listen host the connection local address stands in', (t) => {
  t.throws(() => checkHostAndOrigin(local(`${os.hostname()}:8000`), undefined), { instanceOf: AccessDeniedError });
  t.notThrows(() => checkHostAndOrigin(local('localhost:8000'), undefined));
});
