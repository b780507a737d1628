// `npm start`: installs dependencies on a fresh clone, then runs the stack launcher (tools/stack).
import './install-if-needed.mjs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Ctrl-C reaches the launcher too (same process group); it stops the services, and we exit with it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const launcher = spawn(process.execPath, ['--require', 'tsx/cjs', 'tools/stack/src/start.ts'], { cwd: root, stdio: 'inherit' });
launcher.on('exit', (code) => process.exit(code ?? 1));
