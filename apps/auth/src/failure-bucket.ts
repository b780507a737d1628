import { isIP } from 'node:net';

/** The eight 16-bit groups of an IPv6 address, as written (no leading zeros restored). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const withEmbeddedIpv4 = (groups: string[]) => {
    const last = groups.at(-1);
    if (!last || isIP(last) !== 4) return groups;
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    return [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  };
  const left = split(head);
  if (tail === undefined) return withEmbeddedIpv4(left);
  const right = withEmbeddedIpv4(split(tail));
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}

/**
 * The unit failed authentications are counted in: an IPv4 address, or the /64 network of an IPv6 one,
 * since a single IPv6 client usually holds a whole /64 and could otherwise try from a fresh address
 * every time. `undefined` for something that is not an address (it is not counted).
 */
export function failureBucket(address: string): string | undefined {
  const bare = address.split('%')[0]!;
  const version = isIP(bare);
  if (version === 4) return bare;
  if (version !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1];
  const groups = ipv6Groups(bare.toLowerCase()).map((g) => g.replace(/^0+(?=.)/, ''));
  return `${groups.slice(0, 4).join(':')}::/64`;
}
