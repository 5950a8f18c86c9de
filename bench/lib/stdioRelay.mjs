// The hop floor for Hangar's stdio mode: a process between client and server that copies bytes
// both ways without parsing anything. Its latency is what one extra process on the path costs.
//   node bench/lib/stdioRelay.mjs COMMAND [ARGS...]
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
process.stdin.pipe(child.stdin);
child.stdout.pipe(process.stdout);
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
