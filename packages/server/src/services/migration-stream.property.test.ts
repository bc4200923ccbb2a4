import { createHash } from 'node:crypto';
import type { LoadRequest } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadReader } from './migration-stream.js';

async function* feed(msgs: LoadRequest[]): AsyncGenerator<LoadRequest> {
  for (const m of msgs) yield m;
}

const header = (vf: string): LoadRequest => ({ kind: { $case: 'header', header: { vf } } });
const data = (b: Buffer): LoadRequest => ({ kind: { $case: 'data', data: b } });
const trailer = (sha256: Buffer, totalBytes: number): LoadRequest => ({
  kind: { $case: 'trailer', trailer: { sha256, totalBytes } },
});
const sha = (b: Buffer) => createHash('sha256').update(b).digest();

/** read: what a Load stream gives: the VF, then the data, or the error it ends with. */
async function read(msgs: LoadRequest[]): Promise<{ vf?: string; got: Buffer; error?: string }> {
  const r = loadReader(feed(msgs));
  const parts: Buffer[] = [];
  try {
    const vf = await r.header();
    for await (const b of r.data()) parts.push(b);
    return { vf, got: Buffer.concat(parts) };
  } catch (e) {
    return { got: Buffer.concat(parts), error: (e as { code?: string }).code };
  }
}

const chunks = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 12 });

describe('Load stream reader', () => {
  it('passes every byte through once the trailer matches', async () => {
    await fc.assert(
      fc.asyncProperty(chunks, async (cs) => {
        const bufs = cs.map((c) => Buffer.from(c));
        const all = Buffer.concat(bufs);
        const r = await read([
          header('0000:08:00.2'),
          ...bufs.map(data),
          trailer(sha(all), all.length),
        ]);
        expect(r).toEqual({ vf: '0000:08:00.2', got: all });
      }),
    );
  });

  it('refuses (EINVAL) an altered, truncated or extended stream before the data ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunks.filter((cs) => cs.length > 0),
        fc.nat(),
        fc.constantFrom('flip', 'drop-chunk', 'no-trailer', 'short-total', 'after-trailer'),
        async (cs, at, how) => {
          const bufs = cs.map((c) => Buffer.from(c));
          const all = Buffer.concat(bufs);
          const sent = bufs.map((b) => Buffer.from(b));
          let msgs: LoadRequest[];
          if (how === 'flip') {
            const b = sent[at % sent.length] as Buffer;
            b[at % b.length] = (b[at % b.length] as number) ^ 0x01;
            msgs = [header('vf'), ...sent.map(data), trailer(sha(all), all.length)];
          } else if (how === 'drop-chunk') {
            sent.splice(at % sent.length, 1);
            msgs = [header('vf'), ...sent.map(data), trailer(sha(all), all.length)];
          } else if (how === 'no-trailer') {
            msgs = [header('vf'), ...sent.map(data)];
          } else if (how === 'short-total') {
            msgs = [header('vf'), ...sent.map(data), trailer(sha(all), all.length - 1)];
          } else {
            msgs = [header('vf'), ...sent.map(data), trailer(sha(all), all.length), data(all)];
          }
          const r = await read(msgs);
          expect(r.error).toBe('EINVAL');
        },
      ),
    );
  });

  it('needs a header naming the VF first, and one header only', async () => {
    expect((await read([])).error).toBe('EINVAL');
    expect((await read([data(Buffer.from('x'))])).error).toBe('EINVAL');
    expect((await read([header('')])).error).toBe('EINVAL');
    const e = Buffer.alloc(0);
    expect((await read([header('vf'), header('vf'), trailer(sha(e), 0)])).error).toBe('EINVAL');
    expect(await read([header('vf'), trailer(sha(e), 0)])).toEqual({ vf: 'vf', got: e });
  });
});
