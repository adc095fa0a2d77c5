/** Loopback address allocation for the fake cloud's subnets. */

/** Parses a dotted IPv4 address to an integer. */
export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`Cannot parse IPv4 address "${ip}"`);
  }
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** Formats an integer as a dotted IPv4 address. */
export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** First usable host, gateway and last usable host of an IPv4 CIDR. */
export function ipv4Pool(cidr: string): { gateway: string; start: string; end: string } {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) {
    throw new RangeError(`Cannot use CIDR "${cidr}": expected a.b.c.d/N with N from 8 to 30`);
  }
  const size = 2 ** (32 - bits);
  const net = ipv4ToInt(base) - (ipv4ToInt(base) % size);
  return { gateway: intToIpv4(net + 1), start: intToIpv4(net + 2), end: intToIpv4(net + size - 2) };
}

/**
 * Hands out addresses of one subnet in order, reusing released ones last. IPv6 subnets of
 * the fake only have `::1` (the one IPv6 loopback address), which every port shares.
 */
export class AddressPool {
  private readonly used = new Set<string>();
  private next: number;
  private readonly first: number;
  private readonly last: number;

  constructor(
    readonly ipVersion: 4 | 6,
    start: string,
    end: string,
  ) {
    this.first = ipVersion === 4 ? ipv4ToInt(start) : 0;
    this.last = ipVersion === 4 ? ipv4ToInt(end) : 0;
    this.next = this.first;
  }

  /** Takes a free address; null when the pool is exhausted. */
  take(): string | null {
    if (this.ipVersion === 6) return '::1';
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const candidate = intToIpv4(this.next);
      this.next = this.next >= this.last ? this.first : this.next + 1;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
    return null;
  }

  /** Gives an address back. */
  release(ip: string): void {
    this.used.delete(ip);
  }
}
