/** Where the stub listens: a loopback host and a TCP port (0 = any free port). */
export interface GdbAddress {
  host: string;
  port: number;
}

/**
 * Parses `HOST:PORT` (also `:PORT`, `PORT`, `[::1]:PORT`). Only loopback hosts are
 * accepted: the stub gives whoever connects full control of the guest, so it never
 * listens where another machine could reach it. Returns the address or a one-line error.
 */
export function parseGdbAddress(text: string): GdbAddress | { error: string } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) return { error: `--gdb must be HOST:PORT (for example 127.0.0.1:1234), got '${text}'` };
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port > 65535) return { error: `--gdb: port must be from 0 to 65535, got '${m[3]}'` };
  const host = (m[1] ?? m[2]) || '127.0.0.1';
  if (!isLoopback(host)) {
    return { error: `--gdb: refusing to listen on '${host}': only loopback hosts (127.0.0.1, ::1, localhost) are allowed` };
  }
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const q = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return q !== null && q.slice(1).every((x) => Number(x) <= 255) && q[1] === '127';
}
