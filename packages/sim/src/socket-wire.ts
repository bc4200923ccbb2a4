/**
 * SocketWire: a cable between a port of a simulated device in this process
 * and a port of one in another process, carried over a TCP connection —
 * how two hosts' simulated NICs share a network.
 *
 * PURPOSE
 * SimWire joins ports of devices in one process. Devices served by two
 * auxctld processes need a cable too (a VF migrating from one host to the
 * other keeps talking to its peers). One end listens, the other connects;
 * each end stands for the far port with a proxy port whose state (admin
 * status, device alive) the far end reports, so the links at both ends
 * follow the same rule as over a SimWire: up while the connection is up and
 * both ports are administratively up on live devices, with a PORT_CHANGE
 * event at each flip.
 *
 * WHAT CROSSES
 * Ethernet frames, intact, in order, none lost while the connection is up
 * (the loss and latency of a SimWire are not modelled here). RC transport
 * reaches its responder's queue pair inside one process only: over a
 * SocketWire an RC requester finds no responder and fails with
 * TRANSPORT_RETRY_EXC_ERR, as with a peer that never answers. Frames sent
 * while the connection is down are dropped (counted in `stats().dropped`).
 *
 * The messages are socket-wire-codec.ts's: FRAME and STATE. Anything that
 * is not one ends the connection (the link goes down).
 *
 * USAGE
 *   const a = await SocketWire.listen({ device: simA }, { host: '127.0.0.1', port: 0 });
 *   const b = SocketWire.connect({ device: simB }, a.address);   // in another process
 *   await b.whenConnected();   // it redials by itself if the far end goes away
 *   ... frames flow; a.close(); b.close();
 *
 * Owns: the connection and the proxy port. Never: frames' contents or
 * counters (each device counts its own).
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { AuxError } from '@auxctl/prm';
import { type PortEndpoint, SimPort, type WireAttachment } from './datapath/sim-port.js';
import { endPort, type WireEnd } from './sim-wire.js';
import { encodeFrame, encodeState, MAX_MESSAGE, MessageReader } from './socket-wire-codec.js';

/** SocketWireStats: frames carried each way and frames dropped while disconnected. */
export interface SocketWireStats {
  sent: number;
  received: number;
  dropped: number;
}

/** SocketWireAddress: where the listening end accepts its peer. */
export interface SocketWireAddress {
  readonly host: string;
  readonly port: number;
}

/** SocketWire: see the module header. */
export class SocketWire {
  private socket: Socket | undefined;
  private readonly far: SimPort;
  private readonly count: SocketWireStats = { sent: 0, received: 0, dropped: 0 };
  private farAlive = false;
  private reader = new MessageReader();
  private closed = false;
  /** The connecting end's redial period; undefined on the listening end. */
  private redialMs: number | undefined;
  private redial: NodeJS.Timeout | undefined;
  private readonly waiters: Array<() => void> = [];

  private constructor(
    private readonly local: SimPort,
    private readonly server: Server | undefined,
    /** address: where a listening end accepts its peer (the connecting end: where it connected). */
    readonly address: SocketWireAddress,
  ) {
    const wire = this;
    const endpoint: PortEndpoint = {
      receive: (_port, frame) => this.sendFrame(frame),
      refreshPort: () => this.sendState(),
      get alive() {
        return wire.farAlive;
      },
    };
    this.far = new SimPort(0, endpoint);
    this.far.adminUp = false;
    if (local.wire) throw new AuxError('EBUSY', 'the port already has a wire; unplug it first');
    const attachment: WireAttachment = {
      peer: () => ({ port: this.far, connected: this.connected, remote: true }),
      transmit: (frame) => this.sendFrame(frame),
      lose: () => false,
    };
    local.wire = attachment;
  }

  /** listen: plug `end` into a cable whose far end connects to the returned `address`. */
  static async listen(end: WireEnd, at: SocketWireAddress): Promise<SocketWire> {
    const port = endPort(end);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => resolve());
    });
    const bound = server.address();
    const address =
      bound && typeof bound === 'object' ? { host: at.host, port: bound.port } : { ...at };
    let wire: SocketWire;
    try {
      wire = new SocketWire(port, server, address);
    } catch (err) {
      server.close();
      throw err;
    }
    server.on('connection', (s) => {
      // One far end at a time: a second connection is refused.
      if (wire.socket || wire.closed) {
        s.destroy();
        return;
      }
      wire.adopt(s);
    });
    return wire;
  }

  /**
   * connect: plug `end` into the cable whose listening end is at `address`.
   * The port is plugged at once (down until connected); the connection is
   * dialled now and again every `retryMs` (default 250) while there is none
   * — at start, when the far end is not up yet, and after it goes away —
   * until close().
   */
  static connect(
    end: WireEnd,
    address: SocketWireAddress,
    opts: { readonly retryMs?: number } = {},
  ): SocketWire {
    const retryMs = opts.retryMs ?? 250;
    if (!(Number.isInteger(retryMs) && retryMs >= 1)) {
      throw new AuxError('EINVAL', 'retryMs must be a positive integer');
    }
    const wire = new SocketWire(endPort(end), undefined, address);
    wire.redialMs = retryMs;
    wire.dial();
    return wire;
  }

  /** whenConnected: resolves once a far end is connected (at once when one is). */
  whenConnected(): Promise<void> {
    if (this.socket) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** connected: whether a far end is connected now. */
  get connected(): boolean {
    return this.socket !== undefined;
  }

  stats(): SocketWireStats {
    return { ...this.count };
  }

  /** close: unplug the local port and end the connection (and stop listening). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.redial);
    this.socket?.destroy();
    this.server?.close();
    this.local.wire = undefined;
    this.lost();
  }

  /** dial: one connection attempt of the connecting end; another after `redialMs` if it fails. */
  private dial(): void {
    if (this.closed || this.socket) return;
    const c = tcpConnect(this.address.port, this.address.host);
    c.once('connect', () => {
      c.removeAllListeners('error');
      if (this.closed) c.destroy();
      else this.adopt(c);
    });
    c.once('error', () => {
      c.destroy();
      this.scheduleDial();
    });
  }

  private scheduleDial(): void {
    if (this.closed || this.redialMs === undefined) return;
    this.redial = setTimeout(() => this.dial(), this.redialMs);
    this.redial.unref();
  }

  private adopt(s: Socket): void {
    this.socket = s;
    this.reader = new MessageReader();
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.take(chunk));
    s.on('error', () => s.destroy());
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = undefined;
      this.lost();
      this.scheduleDial();
    });
    this.sendState();
    for (const w of this.waiters.splice(0)) w();
  }

  /** lost: the far end is gone: its port counts as down. */
  private lost(): void {
    this.farAlive = false;
    this.far.adminUp = false;
    this.local.endpoint.refreshPort(this.local.num);
  }

  private take(chunk: Buffer): void {
    const messages = this.reader.push(chunk);
    if (!messages) {
      this.socket?.destroy();
      return;
    }
    for (const m of messages) {
      if (m.type === 'frame') {
        this.count.received++;
        this.local.endpoint.receive(this.local.num, m.frame, true);
      } else {
        this.farAlive = m.alive;
        this.far.adminUp = m.adminUp;
        this.local.endpoint.refreshPort(this.local.num);
      }
    }
  }

  private sendState(): void {
    this.write(encodeState(this.local.adminUp, this.local.endpoint.alive));
  }

  private sendFrame(frame: Buffer): void {
    if (frame.length + 1 > MAX_MESSAGE || !this.write(encodeFrame(frame))) {
      this.count.dropped++;
      return;
    }
    this.count.sent++;
  }

  /** write: put one message on the connection; false while there is none. */
  private write(message: Buffer): boolean {
    const s = this.socket;
    if (!s || s.destroyed) return false;
    s.write(message);
    return true;
  }
}
