import { failureBucket } from './failure-bucket';

describe('failureBucket', () => {
  it('failure bucket – counts an IPv4 address on its own, also when a dual-stack socket maps it', () => {
    expect(failureBucket('203.0.113.9')).toBe('203.0.113.9');
    expect(failureBucket('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('failure bucket – counts every IPv6 address of a /64 together, however it is written', () => {
    const bucket = '2001:db8:0:1::/64';
    expect(failureBucket('2001:db8:0:1::5')).toBe(bucket);
    expect(failureBucket('2001:0db8:0000:0001:ffff:1:2:3')).toBe(bucket);
    expect(failureBucket('2001:DB8:0:1:0:0:0:9')).toBe(bucket);
    expect(failureBucket('2001:db8:0:2::5')).not.toBe(bucket);
    expect(failureBucket('::1')).toBe('0:0:0:0::/64');
    expect(failureBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(failureBucket('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('failure bucket – has none for something that is not an address', () => {
    expect(failureBucket('')).toBeUndefined();
    expect(failureBucket('localhost')).toBeUndefined();
  });
});
