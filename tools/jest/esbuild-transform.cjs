// Jest transform: TypeScript → CommonJS with esbuild, the compiler tsx uses when the services run, so tests
// execute the same JavaScript as production. Type checking is the `typecheck` target's job.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
};
