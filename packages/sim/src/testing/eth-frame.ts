/**
 * ethFrame: a test Ethernet frame — `len` bytes from `src` to `dst` with
 * the local experimental EtherType 0x88b5 and the payload filled with
 * `fill` — for tests and benches that push frames through the simulated
 * data path. Never imported by library code.
 */
export function ethFrame(dst: Buffer, src: Buffer, len: number, fill = 0xab): Buffer {
  const f = Buffer.alloc(len, fill);
  dst.copy(f, 0);
  src.copy(f, 6);
  f.writeUInt16BE(0x88b5, 12);
  return f;
}
