import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { GdbConnection } from './transport.js';

/** A listening TCP socket that hands out the first connection, then stops listening. */
export interface TcpListener {
  readonly host: string;
  /** The port it listens on (the one the system chose when asked for port 0). */
  readonly port: number;
  /** The first connection (later ones are refused: the port closes once gdb is in). */
  readonly connection: Promise<GdbConnection>;
  /** Stops listening (a connection already made stays open). */
  close(): void;
}

/** Listens on host:port (loopback: the caller checks, see address.ts). */
export function listenTcp(host: string, port: number): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    let accept!: (c: GdbConnection) => void;
    let refuse!: (e: Error) => void;
    const connection = new Promise<GdbConnection>((res, rej) => {
      accept = res;
      refuse = rej;
    });
    connection.catch(() => {}); // a listener closed before anyone connected is not an error by itself
    server.once('connection', (socket: Socket) => {
      server.close();
      accept(new TcpConnection(socket));
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (e) => refuse(e));
      const bound = server.address();
      resolve({
        host,
        port: typeof bound === 'object' && bound ? bound.port : port,
        connection,
        close: () => {
          server.close();
          refuse(new Error('the gdb listener was closed'));
        },
      });
    });
  });
}

/** A connected socket as a GdbConnection. */
export class TcpConnection implements GdbConnection {
  private closed = false;
  private onClose: () => void = () => {};

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('close', () => this.closedNow());
    socket.on('error', () => this.closedNow());
  }

  listen(onData: (bytes: Uint8Array) => void, onClose: () => void): void {
    this.onClose = onClose;
    this.socket.on('data', (chunk: Buffer) => onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    if (this.closed) onClose();
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  close(): void {
    if (this.closed) return;
    // Flush what was written, then close at once: gdb may keep its end open.
    this.socket.end(() => this.closedNow());
  }

  private closedNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose();
  }
}
