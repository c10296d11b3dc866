/**
 * Pod IPs on the loopback network: `prefix + N` for N = 2..254 (all of 127.0.0.0/8 reaches
 * this machine on Linux, so every pod can bind its own port 8080).
 *
 * Contract: an address belongs to at most one holder until that holder releases it, and
 * the pool hands addresses out round-robin, so a released address is the last to come
 * back (a process that has only just exited may still hold its port).
 */
const FIRST = 2;
const LAST = 254;

export class AddressPool {
  private readonly held = new Map<string, string>();
  private cursor = 0;

  /** `prefix` is three dotted octets and a dot, e.g. `127.0.1.`; anything else throws. */
  constructor(private readonly prefix: string) {
    if (!/^(?:\d{1,3}\.){3}$/.test(prefix)) {
      throw new RangeError(`address prefix must look like "127.0.1.", not "${prefix}"`);
    }
  }

  /** The range as people read it, for messages: `127.0.1.2-254`. */
  get range(): string {
    return `${this.prefix}${FIRST}-${LAST}`;
  }

  /**
   * The holder's address, taking `preferred` when it is in range and free (a pod keeps the
   * IP its status already shows), else the next free one; undefined when all are taken.
   */
  acquire(holder: string, preferred?: string): string | undefined {
    const current = this.held.get(holder);
    if (current !== undefined) return current;
    const taken = new Set(this.held.values());
    if (preferred !== undefined && this.inRange(preferred) && !taken.has(preferred)) {
      this.held.set(holder, preferred);
      return preferred;
    }
    const size = LAST - FIRST + 1;
    for (let step = 0; step < size; step++) {
      const address = `${this.prefix}${FIRST + ((this.cursor + step) % size)}`;
      if (taken.has(address)) continue;
      this.cursor = (this.cursor + step + 1) % size;
      this.held.set(holder, address);
      return address;
    }
    return undefined;
  }

  release(holder: string): void {
    this.held.delete(holder);
  }

  private inRange(address: string): boolean {
    if (!address.startsWith(this.prefix)) return false;
    const suffix = address.slice(this.prefix.length);
    return /^[1-9]\d{0,2}$/.test(suffix) && Number(suffix) >= FIRST && Number(suffix) <= LAST;
  }

  holders(): string[] {
    return [...this.held.keys()];
  }
}
