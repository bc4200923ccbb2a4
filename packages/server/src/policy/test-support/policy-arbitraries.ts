/**
 * fast-check arbitraries for policies and requests over a small universe of
 * principals, methods and devices, so that generated rules and requests
 * actually meet (random strings would almost never match each other).
 */
import { FWCTL_SCOPE_NAMES } from '@auxctl/prm';
import fc from 'fast-check';
import { AUXCTL_METHODS } from '../auxctl-methods.js';
import type { PolicyRequest } from '../policy.js';
import type { PolicyDocument, PolicyRule } from '../policy-document.js';

export const PRINCIPALS = ['alice', 'bob', 'spiffe://lab/admin', 'spiffe://lab/ops'];
export const DEVICES = ['0000:08:00.0', '0000:08:00.1', '0000:09:00.0'];

const principalPattern = fc.constantFrom(...PRINCIPALS, '*', 'spiffe://lab/*', 'a*e', '*o*');
const methodPattern = fc.constantFrom(
  ...AUXCTL_METHODS,
  '*',
  'auxctl.v1.CtlService/*',
  'auxctl.v1.DeviceService/*',
  '*/Exec',
  'auxctl.v1.*',
);
const devicePattern = fc.constantFrom(...DEVICES, '*', '0000:08:*', '*.0');
const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: 1, maxLength: 3 });

/** ruleArb: a valid rule; deny rules never carry maxScope. */
export function ruleArb(kind: 'deny' | 'allow'): fc.Arbitrary<PolicyRule> {
  return fc.record(
    {
      principals: list(principalPattern),
      methods: list(methodPattern),
      devices: list(devicePattern),
      maxScope: kind === 'allow' ? fc.constantFrom(...FWCTL_SCOPE_NAMES) : fc.constant(undefined),
      comment: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: ['principals', 'methods', 'devices'] },
  ) as fc.Arbitrary<PolicyRule>;
}

/** documentArb: a valid policy document. */
export const documentArb: fc.Arbitrary<PolicyDocument> = fc.record({
  version: fc.constant(1 as const),
  deny: fc.array(ruleArb('deny'), { maxLength: 3 }),
  allow: fc.array(ruleArb('allow'), { maxLength: 4 }),
});

/** requestArb: a request from the same universe, with or without device and scope. */
export const requestArb: fc.Arbitrary<PolicyRequest> = fc.record(
  {
    principal: fc.constantFrom(...PRINCIPALS, 'mallory'),
    method: fc.constantFrom(...AUXCTL_METHODS),
    device: fc.constantFrom(...DEVICES),
    scope: fc.constantFrom(...FWCTL_SCOPE_NAMES),
  },
  { requiredKeys: ['principal', 'method'] },
);
