/**
 * ListenAddress: parsing and formatting of `host:port` listen addresses
 * and the loopback rule for plaintext.
 *
 * Owns the decision "may this address serve without TLS": only loopback
 * (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, `localhost`) and only when the
 * operator asked for it. Anything it cannot parse with certainty is refused.
 * It must never resolve names (a DNS answer is not proof of loopback; only
 * the literal name `localhost` is trusted, as grpc-js and the OS treat it)
 * and never throw anything but AuxError.
 */
import { isIP } from 'node:net';
import { printable } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';

/** ListenAddress: a parsed listen address. `host` has no brackets; `port` is absent when not given. */
export interface ListenAddress {
  host: string;
  port?: number;
  family: 'ipv4' | 'ipv6' | 'name';
}

/**
 * parseListenAddress: `host:port`, `[v6]:port`, a bare host, or a bare IPv6
 * literal. Throws EINVAL for anything else (schemes, unix sockets, zone ids,
 * bad ports).
 */
export function parseListenAddress(address: string): ListenAddress {
  const bad = (why: string): never => {
    throw new AuxError(
      'EINVAL',
      `listen address "${printable(address)}": ${why}; use host:port such as 127.0.0.1:9339 or [::1]:9339`,
    );
  };
  if (typeof address !== 'string' || address.length === 0 || address.length > 300) {
    return bad('not a host:port string');
  }
  let host: string;
  let portText: string | undefined;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) return bad('unclosed "["');
    host = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return bad('expected ":port" after "]"');
      portText = rest.slice(1);
    }
    if (isIP(host) !== 6) return bad('brackets must hold an IPv6 address');
  } else if (isIP(address) === 6) {
    host = address;
  } else {
    const colon = address.lastIndexOf(':');
    if (colon >= 0) {
      host = address.slice(0, colon);
      portText = address.slice(colon + 1);
    } else {
      host = address;
    }
    if (host.includes(':')) return bad('an IPv6 address with a port needs brackets');
  }
  if (host.length === 0) return bad('missing host');
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return bad('bad port');
    port = Number(portText);
  }
  const ipVersion = isIP(host);
  if (ipVersion === 0 && !/^[a-z0-9_.-]+$/i.test(host)) return bad('bad host name');
  const family = ipVersion === 4 ? 'ipv4' : ipVersion === 6 ? 'ipv6' : 'name';
  return port === undefined ? { host, family } : { host, port, family };
}

/** formatListenAddress: `host:port`, or `[host]:port` for an IPv6 host (the form parseListenAddress reads). */
export function formatListenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * connectAddress: where a client on this host reaches a server bound to
 * `host:port`: the loopback address of the same family for a wildcard host
 * (0.0.0.0, ::), else the host itself.
 */
export function connectAddress(host: string, port: number): string {
  if (host === '0.0.0.0') return formatListenAddress('127.0.0.1', port);
  if (host === '::' || host === '[::]') return formatListenAddress('::1', port);
  return formatListenAddress(host, port);
}

/** isLoopbackHost: true for 127.0.0.0/8, ::1, IPv4-mapped 127/8 and the name `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const v = isIP(host);
  if (v === 4) return host.split('.')[0] === '127';
  if (v === 6) {
    // URL canonicalises IPv6 (compressed, lowercase, mapped IPv4 in hex), so
    // "0:0:0:0:0:0:0:1" and "::ffff:127.0.0.1" compare as "::1" and "::ffff:7fxx:xxxx".
    let canonical: string;
    try {
      canonical = new URL(`http://[${host}]/`).hostname;
    } catch {
      return false;
    }
    return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
  }
  const name = host.toLowerCase();
  return name === 'localhost' || name === 'localhost.';
}

/**
 * assertLoopback: the parsed address when it is loopback; else EPERM (or
 * EINVAL when it does not parse). Call it before serving plaintext.
 */
export function assertLoopback(address: string): ListenAddress {
  const parsed = parseListenAddress(address);
  if (!isLoopbackHost(parsed.host)) {
    throw new AuxError(
      'EPERM',
      `refusing plaintext (--insecure) on ${JSON.stringify(address)}: it is not a loopback address; listen on 127.0.0.1 or [::1], or drop --insecure and use mutual TLS`,
    );
  }
  return parsed;
}
