import { BlockList, isIP, SocketAddress } from 'node:net';

/** One CIDR block: `10.0.0.0/8`, `2001:db8::/32`; a bare address is a block of one. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses a CIDR block (or a bare address); `undefined` when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (slash < 0) return { address, prefix: max, family };
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { address, prefix: Number(bits), family };
}

/**
 * A set of CIDR blocks for address checks. `BlockList` matches IPv4-mapped IPv6 addresses
 * (`::ffff:10.1.2.3`) against IPv4 blocks, so a dual-stack socket's addresses need no rewriting.
 * Entries are validated where they are accepted (config, admin API); a bad one here is a bug.
 */
export function addressSet(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`'${text}' is not a CIDR block`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

/** Parsed addresses by text. Bounded: a client cycling through addresses only costs the parse again. */
const parsed = new Map<string, SocketAddress | null>();
const MAX_PARSED = 10_000;

/**
 * The address as a `SocketAddress`, parsed once per distinct text: `BlockList.check` with a string builds
 * a `SocketAddress` each time (about 4 µs), with one at hand it takes well under a microsecond.
 */
function socketAddress(address: string): SocketAddress | null {
  let found = parsed.get(address);
  if (found === undefined) {
    const version = isIP(address);
    found = version === 0 ? null : new SocketAddress({ address, family: version === 4 ? 'ipv4' : 'ipv6' });
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(address, found);
  }
  return found;
}

/** Whether `address` (IPv4 or IPv6, as a socket reports it) is in `set`; an unparsable address is in no set. */
export function inAddressSet(set: BlockList, address: string): boolean {
  const socket = socketAddress(address);
  return socket !== null && set.check(socket);
}

/** The address in one `X-Forwarded-For` hop: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`. */
function hopAddress(hop: string): string | undefined {
  const text = hop.trim();
  if (isIP(text)) return text;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed && isIP(bracketed[1]!) === 6) return bracketed[1];
  const withPort = /^([\d.]+):\d+$/.exec(text);
  if (withPort && isIP(withPort[1]!) === 4) return withPort[1];
  return undefined;
}

/**
 * The address a request came from. It is the socket's peer, unless that peer is a trusted proxy: then
 * `X-Forwarded-For` is read right to left, each hop a trusted proxy appended, and the first hop that is
 * not itself trusted is the client. Hops left of it were written by the client and may be forged, so
 * they are never read; nor is anything left of a malformed hop. A peer that is not trusted cannot make
 * the gateway believe any header: its `X-Forwarded-For` is ignored.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: BlockList | undefined): string {
  let address = peer ?? '';
  if (!trusted || forwardedFor === undefined || !inAddressSet(trusted, address)) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i]!);
    if (hop === undefined) return address;
    address = hop;
    if (!inAddressSet(trusted, address)) return address;
  }
  return address;
}
