/** Shared jest settings: TypeScript through esbuild (type checking is the `typecheck` target's job). */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  transform: { '^.+\\.ts$': require.resolve('./tools/jest/esbuild-transform.cjs') },
  testTimeout: 30_000,
};
