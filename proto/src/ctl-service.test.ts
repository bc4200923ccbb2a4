import { describe, expect, it } from 'vitest';
import { CtlServiceService } from './ctl-service.js';
import { CtlServiceService as GeneratedCtlService } from './gen/auxctl/v1/ctl_service.js';

/** The codecs ctl-service.ts replaces, per method; every other one is the generated one. */
const REPLACED: Readonly<Record<string, readonly string[]>> = {
  exec: ['requestSerialize', 'requestDeserialize', 'responseSerialize', 'responseDeserialize'],
  session: ['requestSerialize', 'requestDeserialize', 'responseSerialize', 'responseDeserialize'],
  coredump: ['responseSerialize', 'responseDeserialize'],
  resourceDump: ['responseSerialize', 'responseDeserialize'],
};

describe('CtlServiceService', () => {
  it('replaces exactly the listed codecs and keeps every path and stream flag', () => {
    const codecs = [
      'requestSerialize',
      'requestDeserialize',
      'responseSerialize',
      'responseDeserialize',
    ] as const;
    expect(Object.keys(CtlServiceService).sort()).toEqual(Object.keys(GeneratedCtlService).sort());
    for (const [name, generated] of Object.entries(GeneratedCtlService)) {
      const method = CtlServiceService[name as keyof typeof CtlServiceService];
      expect(method.path).toBe(generated.path);
      expect([method.requestStream, method.responseStream]).toEqual([
        generated.requestStream,
        generated.responseStream,
      ]);
      for (const c of codecs) {
        const replaced = REPLACED[name]?.includes(c) ?? false;
        expect(method[c] !== generated[c], `${name}.${c}`).toBe(replaced);
      }
    }
  });
});
