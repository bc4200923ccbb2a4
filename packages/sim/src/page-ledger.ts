/**
 * PageLedger: the host pages the driver has given firmware (MANAGE_PAGES).
 *
 * Real firmware asks for boot pages after ENABLE_HCA, init pages before
 * INIT_HCA, and regular pages later; the driver answers QUERY_PAGES with
 * MANAGE_PAGES. The simulated firmware never touches the pages: it only
 * counts the addresses it was given (in order) so that it can report what it
 * still needs and hand addresses back when the driver reclaims them. Pages
 * are not required for INIT_HCA.
 *
 * Owns: the list of given page addresses. Never: the pages' memory.
 */

/** BOOT_PAGES / INIT_PAGES: what QUERY_PAGES asks for (small, so a boot is cheap). */
export const BOOT_PAGES = 4;
export const INIT_PAGES = 12;

/** PageLedger: see the module header. */
export class PageLedger {
  private given: bigint[] = [];

  /** count: pages firmware holds. */
  get count(): number {
    return this.given.length;
  }

  /** needed: pages firmware still wants for the boot (1), init (2) or regular (3) stage. */
  needed(stage: number): number {
    const want = stage === 1 ? BOOT_PAGES : stage === 2 ? BOOT_PAGES + INIT_PAGES : 0;
    return Math.max(0, want - this.given.length);
  }

  /** give: the driver hands over `addrs`. */
  give(addrs: readonly bigint[]): void {
    this.given.push(...addrs);
  }

  /** take: hand back up to `n` pages, most recently given first. */
  take(n: number): bigint[] {
    const k = Math.max(0, Math.min(n, this.given.length));
    return this.given.splice(this.given.length - k, k).reverse();
  }

  /** list: the pages firmware holds, in the order given. */
  list(): bigint[] {
    return [...this.given];
  }

  /** restore: hold exactly `pages` (a state image being loaded). */
  restore(pages: readonly bigint[]): void {
    this.given = [...pages];
  }

  /** clear: forget every page (DISABLE_HCA, reset). */
  clear(): void {
    this.given = [];
  }
}
