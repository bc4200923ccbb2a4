/**
 * Transport failures: what grpc-js says when a connection cannot be made,
 * turned into what a person can act on. grpc-js reports every such failure
 * as UNAVAILABLE with text like "No connection established. Last error:
 * Error: self-signed certificate in certificate chain. Resolution note: ";
 * the cause that matters (nothing listening, a CA from another auxctld,
 * plaintext against TLS and the reverse) is named here, once.
 *
 * Owns the recognised failure texts and their hints. Never: changing the
 * code (it stays UNAVAILABLE), or hiding grpc-js's own words (the hint is
 * added after them).
 */

/** TransportFacts: how the client connected (what the hints need). */
export interface TransportFacts {
  readonly address: string;
  readonly insecure: boolean;
  /** The CA file the server is verified with. */
  readonly ca?: string | undefined;
}

const RULES: readonly {
  readonly test: (details: string, t: TransportFacts | undefined) => boolean;
  readonly hint: (t: TransportFacts | undefined) => string;
}[] = [
  {
    test: (d) => /ECONNREFUSED/.test(d),
    hint: () =>
      'nothing accepts connections there: start auxctld, or check --host, AUXCTL_HOST or the address in client.json',
  },
  {
    test: (d) =>
      /self[- ]signed certificate|unable to verify|unable to get local issuer|certificate signature failure/i.test(
        d,
      ),
    hint: (t) =>
      `the server's certificate is not signed by the CA this client trusts${t?.ca ? ` (${t.ca})` : ''}: that CA (client.json or --ca) belongs to another auxctld; point AUXCTL_STATE_DIR at the state directory of the server you are calling`,
  },
  {
    test: (d, t) =>
      t?.insecure === true && /Failed to connect|Connection dropped|ECONNRESET/.test(d),
    hint: () =>
      'the server did not answer plaintext: it speaks TLS; drop --insecure and connect with its client.json (AUXCTL_STATE_DIR)',
  },
  {
    test: (d, t) =>
      t?.insecure !== true && /wrong version number|packet length too long|ERR_SSL/i.test(d),
    hint: () => 'the server speaks plaintext (auxctld --insecure): add --insecure',
  },
];

/** explainTransport: grpc-js's failure text without its empty "Resolution note", plus the hint that fits. */
export function explainTransport(details: string, transport?: TransportFacts): string {
  const text = details.replace(/\.?\s*Resolution note:\s*$/, '').trimEnd();
  const rule = RULES.find((r) => r.test(text, transport));
  return rule ? `${text} (${rule.hint(transport)})` : text;
}
