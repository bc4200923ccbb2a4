/**
 * FwHealth: the health buffer and health counter of the simulated firmware.
 *
 * The counter is derived from the firmware clock: it advances by one every
 * `HEALTH_TICK_MS` (100 ms) of firmware time while firmware runs, wraps at 24
 * bits like `initial_seg.health_counter`, freezes when firmware halts, and
 * after a reset continues from the frozen value (it never jumps back, so a
 * poller comparing readings never sees a false "stuck"). A clock that does not
 * advance gives a counter that does not advance, as a stalled device would.
 *
 * The buffer carries the raw firmware version and hardware id at all times;
 * `time` is seconds since firmware start (frozen at the crash while halted);
 * a fatal error fills synd / ext_synd and assert values derived from the
 * device serial and crash number, so the same crash reads the same.
 *
 * Owns: health state. Never: halting command processing (the firmware does).
 */
import { AuxError, HealthBuffer } from '@auxctl/prm';

/** HEALTH_TICK_MS: firmware time per health-counter increment. */
export const HEALTH_TICK_MS = 100;
const COUNTER_MASK = 0xff_ffff;

interface Crash {
  readonly synd: number;
  readonly extSynd: number;
  readonly atMs: number;
  readonly asserts: readonly number[];
}

/** fwVersionRaw: `xx.yy.zzzz` as the health buffer's `fw_ver` (major << 24 | minor << 16 | sub). */
export function fwVersionRaw(version: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})$/.exec(version);
  const [major, minor, sub] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [-1, 0, 0];
  if (major < 0 || major > 0xff || minor > 0xff || sub > 0xffff) {
    throw new AuxError(
      'EINVAL',
      `firmware version ${version} is not xx.yy.zzzz (255.255.65535 max)`,
    );
  }
  return ((major << 24) | (minor << 16) | sub) >>> 0;
}

/** FwHealth: see the module header. */
export class FwHealth {
  private startedAt: number;
  private base = 0;
  private frozen: number | undefined;
  private crash: Crash | undefined;
  private readonly fwVer: number;

  constructor(
    fwVersion: string,
    private readonly hwId: number,
    private readonly seed: string,
    now: number,
  ) {
    this.fwVer = fwVersionRaw(fwVersion);
    this.startedAt = now;
  }

  /** halted: whether a fatal error stopped firmware. */
  get halted(): boolean {
    return this.crash !== undefined;
  }

  /** counter: the health counter at `now`. */
  counter(now: number): number {
    if (this.frozen !== undefined) return this.frozen;
    const ticks = Math.floor(Math.max(0, now - this.startedAt) / HEALTH_TICK_MS);
    return (this.base + ticks) & COUNTER_MASK;
  }

  /** fatal: record a fatal error (crash number `crashNo`) and freeze the counter. */
  fatal(synd: number, extSynd: number, crashNo: number, now: number): void {
    this.frozen = this.counter(now);
    const asserts = Array.from({ length: 6 }, (_, i) =>
      hash32(`${this.seed}/${crashNo}/${synd}/${i}`),
    );
    this.crash = { synd, extSynd, atMs: now, asserts };
  }

  /** restart: firmware runs again from `now`, health buffer clean. */
  restart(now: number): void {
    this.base = this.counter(now);
    this.frozen = undefined;
    this.crash = undefined;
    this.startedAt = now;
  }

  /** read: a fresh health buffer. */
  read(now: number): Buffer {
    const c = this.crash;
    const at = c ? c.atMs : now;
    const buf = HealthBuffer.encode({
      time: Math.floor(Math.max(0, at - this.startedAt) / 1000) >>> 0,
      fw_ver: this.fwVer,
      hw_id: this.hwId,
    });
    if (c) {
      HealthBuffer.write(buf, {
        assert_var: [...c.asserts],
        assert_exit_ptr: (c.asserts[0]! ^ 0x00c0_ffee) >>> 0,
        assert_callra: (c.asserts[1]! ^ 0x0bad_cafe) >>> 0,
        // A fatal assert needs the driver's recovery flow (reset), which rfr says.
        rfr: 1,
        severity: 2,
        synd: c.synd,
        ext_synd: c.extSynd,
      });
    }
    return buf;
  }
}

/** hash32: FNV-1a, enough to make assert values look like addresses and stay deterministic. */
function hash32(s: string): number {
  let h = 0x811c_9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x0100_0193);
  }
  return h >>> 0;
}
