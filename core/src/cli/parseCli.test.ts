import test from 'ava';
import { parseCli } from './parseCli.js';

test('defaults: stdio, 127.0.0.1:8000, ./.hangar', (t) => {
  const options = parseCli([], {});
  t.false(options.http);
  t.is(options.host, '127.0.0.1');
  t.is(options.port, 8000);
  t.is(options.dataDir, '.hangar');
  t.is(options.logLevel, 'info');
});

test('environment variables fill in what flags leave out', (t) => {
  const options = parseCli(['--http'], {
    HANGAR_CONFIG: 'c.yaml',
    HANGAR_DATA_DIR: '/d',
    HANGAR_PORT: '9001',
    HANGAR_HOST: '127.0.0.2',
  });
  t.like(options, { config: 'c.yaml', dataDir: '/d', port: 9001, host: '127.0.0.2', http: true });
});

test('flags win over environment variables', (t) => {
  const options = parseCli(['--port', '7000', '--config', 'x.yaml'], { HANGAR_PORT: '9001', HANGAR_CONFIG: 'c.yaml' });
  t.is(options.port, 7000);
  t.is(options.config, 'x.yaml');
});

test('an unknown flag is a usage error', (t) => {
  const error = t.throws(() => parseCli(['--colour'], {}));
  t.is((error as { code?: string }).code, 'HANGAR_ERR_CLI_USAGE');
  t.regex(error.message, /--colour/);
});

test('a bad port or log level is a usage error naming the flag', (t) => {
  t.throws(() => parseCli(['--port', 'eighty'], {}), { message: /--port must be a number/ });
  t.throws(() => parseCli(['--port', '70000'], {}), { message: /--port must be a number/ });
  t.throws(() => parseCli(['--log-level', 'loud'], {}), { message: /--log-level must be one of/ });
});
