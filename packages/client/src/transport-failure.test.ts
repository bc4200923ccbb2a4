import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainTransport } from './transport-failure.js';

const GRPC =
  'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ';

describe('explainTransport', () => {
  it("drops grpc-js's empty resolution note and names the cause", () => {
    expect(explainTransport(GRPC)).toBe(
      'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1 (nothing accepts connections there: start auxctld, or check --host, AUXCTL_HOST or the address in client.json)',
    );
  });

  it('tells plaintext-to-TLS only when the client was plaintext', () => {
    const text = 'No connection established. Last error: Failed to connect (x)';
    expect(explainTransport(text, { address: 'a:1', insecure: true })).toContain('drop --insecure');
    expect(explainTransport(text, { address: 'a:1', insecure: false })).toBe(text);
  });

  it('names the CA file when the server certificate is foreign', () => {
    const text = 'Last error: Error: self-signed certificate in certificate chain';
    expect(explainTransport(text, { address: 'a:1', insecure: false, ca: '/s/ca.pem' })).toContain(
      'trusts (/s/ca.pem): that CA (client.json or --ca) belongs to another auxctld',
    );
  });

  it('property: the original words are kept, in front, and nothing throws', () => {
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (text, insecure) => {
        const got = explainTransport(text, { address: 'h:1', insecure });
        const kept = text.replace(/\.?\s*Resolution note:\s*$/, '').trimEnd();
        expect(got.startsWith(kept)).toBe(true);
      }),
    );
  });
});
