import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkState, readObjects } from './function-state.js';
import { decodeImage, encodeImage, IMAGE_HEADER_BYTES, SectionType } from './state-image.js';
import { ImageFormatError, type Value } from './value-codec.js';

const header = {
  incremental: false,
  seq: 1,
  base: 0,
  stream: Buffer.alloc(8, 7),
  fingerprint: Buffer.alloc(16, 9),
};

const fn = { hca: 'initialized', issi: 1, caps: {}, pages: [], nextIds: { PD: 3 } };
const vport = {
  mac: Buffer.alloc(6),
  mtu: 1500,
  adminState: 2,
  counters: {},
  ports: [{ adminUp: true, adminMtu: 1522, counters: {} }],
};
const datapath = { sq: [], qp: [], virtq: [], doorbells: [], frames: [] };
const obj = (type: string, id: number, uid = 0, refs: Value[] = []) => ({
  type,
  id,
  uid,
  context: {},
  refs,
  data: undefined,
});

function state(objects: Value[]) {
  const sections = new Map<number, Value>([
    [SectionType.FUNCTION, fn],
    [SectionType.VPORT, vport],
    [SectionType.DATAPATH, datapath],
    [SectionType.OBJECTS, objects],
  ]);
  const image = decodeImage(encodeImage(header, sections));
  return {
    fn: image.sections.get(SectionType.FUNCTION),
    vport: image.sections.get(SectionType.VPORT),
    datapath: image.sections.get(SectionType.DATAPATH),
    objects: readObjects(image.sections.get(SectionType.OBJECTS)),
  };
}

describe('state image', () => {
  it('frames and re-reads sections; random bytes are refused with ImageFormatError only (property)', () => {
    const good = encodeImage(header, new Map([[SectionType.FUNCTION, fn]]));
    const back = decodeImage(good);
    expect([back.seq, back.base, back.incremental]).toEqual([1, 0, false]);
    expect(back.stream.equals(header.stream)).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: IMAGE_HEADER_BYTES, maxLength: 200 }), (a) => {
        const b = Buffer.from(a);
        good.copy(b, 0, 0, 8); // past the magic, so the deeper checks run
        expect(() => decodeImage(b)).toThrow(ImageFormatError);
      }),
      { numRuns: 300 },
    );
  });

  it('checks references, ids and uids even in an image whose digest is right', () => {
    expect(() =>
      checkState(state([obj('PD', 1), obj('MKEY', 1, 0, [['PD', 1]])]), 1),
    ).not.toThrow();
    expect(() => checkState(state([obj('UCTX', 5), obj('PD', 1, 5)]), 1)).not.toThrow();
    const refused: [Value[], RegExp][] = [
      [[obj('MKEY', 1, 0, [['PD', 1]])], /references PD:1/],
      [[obj('PD', 1), obj('PD', 1)], /twice/],
      [[obj('PD', 1, 5)], /uid 5/],
    ];
    for (const [objects, msg] of refused) expect(() => checkState(state(objects), 1)).toThrow(msg);
    expect(() => state([obj('NOPE', 1)])).toThrow(/object type/);
    expect(() => state([obj('EQ', 0x100)])).toThrow(/id/);
    expect(() => checkState(state([]), 2)).toThrow(/port/);
  });
});
