import { addressSet, clientAddress, inAddressSet, parseCidr } from './client-address';

describe('parseCidr', () => {
  it('parseCidr – reads IPv4 and IPv6 blocks, and a bare address as a block of one', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
  });

  it('parseCidr – refuses what is not a block', () => {
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', 'example.com', '10.0.0.0/', '10.0.0.0/8/9', '10.0.0.0/-1', '']) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });
});

describe('address sets', () => {
  const set = addressSet(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);

  it('address set – holds the addresses of its IPv4 and IPv6 blocks and nothing else', () => {
    expect(inAddressSet(set, '10.200.1.1')).toBe(true);
    expect(inAddressSet(set, '11.0.0.1')).toBe(false);
    expect(inAddressSet(set, '2001:db8:ffff::1')).toBe(true);
    expect(inAddressSet(set, '2001:db9::1')).toBe(false);
    expect(inAddressSet(set, '192.0.2.7')).toBe(true);
    expect(inAddressSet(set, '192.0.2.8')).toBe(false);
  });

  it('address set – matches an IPv4-mapped IPv6 socket address against IPv4 blocks', () => {
    expect(inAddressSet(set, '::ffff:10.1.2.3')).toBe(true);
    expect(inAddressSet(set, '::ffff:11.1.2.3')).toBe(false);
  });

  it('address set – holds no unparsable address', () => {
    expect(inAddressSet(set, '')).toBe(false);
    expect(inAddressSet(set, 'unknown')).toBe(false);
  });
});

describe('clientAddress', () => {
  const trusted = addressSet(['10.0.0.0/8', 'fd00::/8']);

  it('clientAddress – is the socket peer when no proxy is trusted', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', undefined)).toBe('203.0.113.9');
  });

  it('clientAddress – ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', '10.0.0.5, 198.51.100.1', trusted)).toBe('203.0.113.9');
  });

  it('clientAddress – takes the hop a trusted proxy appended', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:10.0.0.2', '198.51.100.1', trusted)).toBe('198.51.100.1');
  });

  it('clientAddress – reads right to left through trusted hops and stops at the first untrusted one', () => {
    // The client forged the leftmost hop; the load balancer (10.0.0.3) appended the real address.
    expect(clientAddress('10.0.0.2', '1.1.1.1, 198.51.100.1, 10.0.0.3', trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', ['1.1.1.1', '198.51.100.1, 10.0.0.3'], trusted)).toBe('198.51.100.1');
  });

  it('clientAddress – reads IPv6 hops, bracketed or not, and IPv4 hops with a port', () => {
    expect(clientAddress('fd00::1', '2001:db8::7', trusted)).toBe('2001:db8::7');
    expect(clientAddress('fd00::1', '[2001:db8::7]:443', trusted)).toBe('2001:db8::7');
    expect(clientAddress('fd00::1', '198.51.100.1:5555', trusted)).toBe('198.51.100.1');
  });

  it('clientAddress – believes nothing left of a malformed hop', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1, garbage', trusted)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '198.51.100.1, 10.0.0.3, ', trusted)).toBe('10.0.0.2');
  });

  it('clientAddress – is the leftmost hop when every hop is trusted', () => {
    expect(clientAddress('10.0.0.2', '10.0.0.9, 10.0.0.3', trusted)).toBe('10.0.0.9');
  });

  it('clientAddress – is the trusted peer itself when it sent no X-Forwarded-For', () => {
    expect(clientAddress('10.0.0.2', undefined, trusted)).toBe('10.0.0.2');
  });
});
