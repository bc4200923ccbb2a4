import { defineLayout } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { fieldsJson, fieldsText, layoutFields } from './layout-fields.js';
import { hexLines } from './output-modes.js';

const Inner = defineLayout('inner', { a: 8, reserved_at_8: 8, b: 16 });
const Outer = defineLayout('outer', {
  x: 32,
  reserved_at_20: 32,
  big: 64,
  inner: { struct: Inner },
  mac: { bytes: 6 },
  reserved_at_d0: 16,
});

describe('layoutFields', () => {
  it('flattens named fields in layout order, nested as outer.inner, without reserved ones', () => {
    const buf = Outer.encode({
      x: 0x1234,
      big: 1n << 40n,
      inner: { a: 7, b: 300 },
      mac: Buffer.from('020000000001', 'hex'),
    });
    const rows = layoutFields(Outer, buf);
    expect(rows).toEqual([
      ['x', 0x1234],
      ['big', 1n << 40n],
      ['inner.a', 7],
      ['inner.b', 300],
      ['mac', '020000000001'],
    ]);
    expect(fieldsJson(rows)).toEqual({
      x: 0x1234,
      big: String(1n << 40n),
      'inner.a': 7,
      'inner.b': 300,
      mac: '020000000001',
    });
    expect(fieldsText(rows)[0]).toBe('x        4660 (0x1234)');
    expect(fieldsText(rows)[2]).toBe('inner.a  7');
  });

  it('prints bytes as 16 hex pairs per line', () => {
    const b = Buffer.from(Array.from({ length: 20 }, (_, i) => i));
    expect(hexLines(b)).toEqual(['00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f', '10 11 12 13']);
    expect(hexLines(Buffer.alloc(0))).toEqual([]);
  });
});
