/**
 * RecordingBackend: a DeviceBackend wrapper that records every doorbell
 * (slot, token, opcode) and the most slots ever outstanding at once, so
 * queue tests can assert slot and token discipline. Never used outside tests.
 */
import {
  CommandEntries,
  type CompletionHandler,
  type DeviceBackend,
  type DeviceIdentity,
  type DmaSpace,
} from '@auxctl/prm';

/** Doorbell: one recorded post. */
export interface Doorbell {
  readonly slot: number;
  readonly token: number;
  readonly opcode: number;
}

/** RecordingBackend: see the module header. */
export class RecordingBackend implements DeviceBackend {
  readonly doorbells: Doorbell[] = [];
  maxOutstanding = 0;
  attaches = 0;
  detaches = 0;
  private outstanding = 0;
  private entries: CommandEntries | undefined;

  constructor(readonly inner: DeviceBackend) {}

  get identity(): DeviceIdentity {
    return this.inner.identity;
  }

  get dma(): DmaSpace {
    return this.inner.dma;
  }

  get checksum(): boolean {
    return this.inner.checksum === true;
  }

  attachQueue(page: Buffer, onCompletion: CompletionHandler): void {
    this.attaches++;
    this.entries = new CommandEntries(page);
    this.inner.attachQueue(page, (v) => {
      this.outstanding &= ~v;
      onCompletion(v);
    });
  }

  detachQueue(): void {
    this.detaches++;
    this.inner.detachQueue();
  }

  post(slot: number): void {
    const e = this.entries!;
    this.doorbells.push({ slot, token: e.token(slot), opcode: e.opcode(slot) });
    this.outstanding |= 1 << slot;
    let n = 0;
    for (let v = this.outstanding >>> 0; v !== 0; v &= v - 1) n++;
    this.maxOutstanding = Math.max(this.maxOutstanding, n);
    this.inner.post(slot);
  }

  /** forget: treat `slot` as no longer outstanding (its command was reclaimed). */
  forget(slot: number): void {
    this.outstanding &= ~(1 << slot);
  }

  readHealth(): Buffer {
    return this.inner.readHealth();
  }

  readHealthCounter(): number {
    return this.inner.readHealthCounter();
  }

  reset(): Promise<void> {
    this.outstanding = 0;
    return this.inner.reset();
  }

  close(): void {
    this.inner.close();
  }
}
