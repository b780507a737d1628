// Each suite boots the whole stack as processes; run suites one at a time to keep the 2-core machine sane.
module.exports = { ...require('../../jest.preset.cjs'), displayName: 'gateway-e2e', maxWorkers: 1, testTimeout: 60_000 };
