module.exports = { ...require('../../jest.preset.cjs'), displayName: 'mock-provider' };
