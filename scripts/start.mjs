// `npm start`: installs dependencies on a fresh clone, then runs the stack launcher (tools/stack).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'node_modules', 'tsx'))) {
  console.log('Installing dependencies (npm ci)...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// Ctrl-C reaches the launcher too (same process group); it stops the services, and we exit with it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const launcher = spawn(process.execPath, ['--require', 'tsx/cjs', 'tools/stack/src/start.ts'], { cwd: root, stdio: 'inherit' });
launcher.on('exit', (code) => process.exit(code ?? 1));
