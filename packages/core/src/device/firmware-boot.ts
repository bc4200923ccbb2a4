/**
 * Firmware boot and shutdown: the sequence mlx5 runs to bring a function up
 * and down, built from the command toolbox.
 *
 *   ENABLE_HCA -> QUERY_ISSI -> SET_ISSI(1 if supported)
 *   -> QUERY_PAGES(boot) -> MANAGE_PAGES(give)
 *   -> QUERY_HCA_CAP(general, max and current) -> SET_HCA_CAP(profile)
 *   -> QUERY_PAGES(init) -> MANAGE_PAGES(give) -> INIT_HCA
 *   ...
 *   TEARDOWN_HCA -> MANAGE_PAGES(reclaim all) -> DISABLE_HCA
 *
 * Owns: the host pages lent to firmware (`HostPages`). Never: the queue or
 * the device's published state (the core device sequences those).
 */
import { CapType, CmdHcaCap, type DmaSpace, PAGE_SIZE } from '@auxctl/prm';
import {
  type CommandExecutor,
  disableHca,
  enableHca,
  type GeneralCaps,
  givePages,
  initHca,
  queryHcaCap,
  queryIssi,
  queryPages,
  reclaimPages,
  setHcaCap,
  setIssi,
  teardownHca,
} from './firmware-commands.js';

/** PAGES_PER_COMMAND: page addresses handed over or reclaimed per MANAGE_PAGES. */
const PAGES_PER_COMMAND = 256;

/** HostPages: host memory pages the driver has lent to firmware. */
export class HostPages {
  private readonly lent = new Map<bigint, Buffer>();

  constructor(private readonly dma: DmaSpace) {}

  /** count: pages firmware holds. */
  get count(): number {
    return this.lent.size;
  }

  /** satisfy: give firmware the pages it asks for at `stage` (1 boot, 2 init, 3 regular). */
  async satisfy(cmd: CommandExecutor, stage: number): Promise<number> {
    const want = await queryPages(cmd, stage);
    for (let done = 0; done < want; ) {
      const n = Math.min(PAGES_PER_COMMAND, want - done);
      const addrs = Array.from({ length: n }, () => {
        const page = Buffer.alloc(PAGE_SIZE);
        const addr = this.dma.map(page);
        this.lent.set(addr, page);
        return addr;
      });
      try {
        await givePages(cmd, addrs);
      } catch (err) {
        for (const a of addrs) this.forget(a);
        throw err;
      }
      done += n;
    }
    return want;
  }

  /** reclaimAll: ask firmware for every lent page back, then unmap what it returned. */
  async reclaimAll(cmd: CommandExecutor): Promise<void> {
    while (this.lent.size > 0) {
      const back = await reclaimPages(cmd, Math.min(PAGES_PER_COMMAND, this.lent.size));
      if (back.length === 0) break;
      for (const a of back) this.forget(a);
    }
    // Firmware that kept some (or is gone) cannot use them after DISABLE_HCA/reset.
    this.releaseAll();
  }

  /** releaseAll: unmap every lent page without asking firmware (after a reset or when it is dead). */
  releaseAll(): void {
    for (const a of [...this.lent.keys()]) this.forget(a);
  }

  private forget(addr: bigint): void {
    if (this.lent.delete(addr)) this.dma.unmap(addr);
  }
}

/** BootProfile: what the driver asks of the function (mlx5's profile). */
export interface BootProfile {
  /** log2 of the QPs to enable, capped at the device maximum; default 18. */
  readonly logMaxQp?: number;
}

/** BootResult: what a boot learned about the function. */
export interface BootResult {
  readonly issi: number;
  readonly caps: GeneralCaps;
  readonly maxCaps: GeneralCaps;
  readonly pages: number;
}

/**
 * bootFirmware: run the boot sequence. On failure the caller must run
 * `shutdownFirmware` (or reset the device) before trying again; pages lent
 * so far stay in `pages` until then.
 */
export async function bootFirmware(
  cmd: CommandExecutor,
  pages: HostPages,
  profile: BootProfile = {},
): Promise<BootResult> {
  await enableHca(cmd);
  const issi = await queryIssi(cmd);
  const use = (issi.supported & 0x2) !== 0 ? 1 : 0;
  if (use !== issi.current) await setIssi(cmd, use);
  await pages.satisfy(cmd, 1);

  const maxRaw = await queryHcaCap(cmd, CapType.GENERAL, false);
  const cur = await queryHcaCap(cmd, CapType.GENERAL, true);
  const maxCaps = CmdHcaCap.decode(maxRaw);
  const wantQp = Math.min(profile.logMaxQp ?? 18, maxCaps.log_max_qp);
  if (CmdHcaCap.get(cur, 'log_max_qp') !== wantQp) {
    CmdHcaCap.set(cur, 'log_max_qp', wantQp);
    await setHcaCap(cmd, CapType.GENERAL, cur);
  }
  await pages.satisfy(cmd, 2);
  await initHca(cmd);
  const caps = CmdHcaCap.decode(await queryHcaCap(cmd, CapType.GENERAL, true));
  return { issi: use, caps, maxCaps, pages: pages.count };
}

/**
 * shutdownFirmware: TEARDOWN_HCA, reclaim lent pages, DISABLE_HCA. Each
 * step runs even if an earlier one failed (a half-booted function must still
 * come down); the first error is rethrown at the end.
 */
export async function shutdownFirmware(
  cmd: CommandExecutor,
  pages: HostPages,
  opts: { initialized: boolean } = { initialized: true },
): Promise<void> {
  let first: unknown;
  const step = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      first ??= err;
    }
  };
  if (opts.initialized) await step(() => teardownHca(cmd));
  await step(() => pages.reclaimAll(cmd));
  await step(() => disableHca(cmd));
  pages.releaseAll();
  if (first !== undefined) throw first;
}
