/**
 * The framing layer of the gdb remote serial protocol (GDB-REMOTE.md): `$payload#cs`
 * packets, `+`/`-` acknowledgements, the 0x03 interrupt byte, and the `}` escape of
 * binary data. Pure code with no host dependencies.
 *
 * Payloads are handled as "byte strings": JavaScript strings whose every char code is
 * one byte (0-255), so binary replies (qXfer:auxv) and ASCII ones share one type.
 */

/** The interrupt request gdb sends outside any packet (Ctrl-C). */
export const INTERRUPT = 0x03;

/** Two hex digits of the byte sum of `payload` modulo 256. */
export function checksum(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
  return hex8(sum);
}

/** A packet ready for the wire: `$payload#cs`. The payload must already be escaped. */
export function frame(payload: string): string {
  return `$${payload}#${checksum(payload)}`;
}

/**
 * Escapes binary data for a reply: `$`, `#`, `}` and `*` (the run-length marker gdb
 * decodes in replies) become `}` followed by the byte XOR 0x20.
 */
export function escapeBinary(data: string): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    out += c === 0x23 || c === 0x24 || c === 0x7d || c === 0x2a ? '}' + String.fromCharCode(c ^ 0x20) : data[i];
  }
  return out;
}

/** Undoes `escapeBinary` (binary data in packets from gdb: X, vFile:pwrite). */
export function unescapeBinary(data: string): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    if (data[i] === '}' && i + 1 < data.length) out += String.fromCharCode(data.charCodeAt(++i) ^ 0x20);
    else out += data[i];
  }
  return out;
}

/** Expands run-length encoding (`X*n` repeats X n-29 more times), as gdb does for replies. */
export function expandRunLength(data: string): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    if (data[i] === '*' && out.length > 0 && i + 1 < data.length) {
      out += out[out.length - 1].repeat(data.charCodeAt(++i) - 29);
    } else out += data[i];
  }
  return out;
}

export type WireEvent =
  | { kind: 'packet'; payload: string }
  /** A packet whose checksum did not match (answered with `-` in ack mode). */
  | { kind: 'corrupt'; payload: string }
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' };

/**
 * Splits the incoming byte stream into events. Bytes may arrive in any chunks; a
 * packet is reported once its two checksum digits are in. Noise between packets
 * (anything but `$`, `+`, `-`, 0x03) is ignored, as gdbserver does.
 */
export class PacketDecoder {
  private state: 'idle' | 'payload' | 'cs1' | 'cs2' = 'idle';
  private payload: string[] = [];
  private cs = '';
  /** Escape `}` seen in the payload: the next byte is data even if it is `#`. */
  private escaped = false;

  feed(bytes: Uint8Array): WireEvent[] {
    const events: WireEvent[] = [];
    for (const b of bytes) {
      const ch = String.fromCharCode(b);
      switch (this.state) {
        case 'idle':
          if (ch === '$') {
            this.state = 'payload';
            this.payload = [];
            this.escaped = false;
          } else if (ch === '+') events.push({ kind: 'ack' });
          else if (ch === '-') events.push({ kind: 'nack' });
          else if (b === INTERRUPT) events.push({ kind: 'interrupt' });
          break;
        case 'payload':
          if (ch === '#' && !this.escaped) {
            this.state = 'cs1';
          } else {
            this.escaped = !this.escaped && ch === '}';
            this.payload.push(ch);
          }
          break;
        case 'cs1':
          this.cs = ch;
          this.state = 'cs2';
          break;
        case 'cs2': {
          this.cs += ch;
          this.state = 'idle';
          const payload = this.payload.join('');
          this.payload = [];
          events.push({ kind: this.cs.toLowerCase() === checksum(payload) ? 'packet' : 'corrupt', payload });
          break;
        }
      }
    }
    return events;
  }
}

// ---- hex helpers ----------------------------------------------------------------------

export function hex8(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

/** Bytes as hex pairs (memory and register contents). */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += hex8(b);
  return s;
}

/** Hex pairs to bytes; null when the text is not an even run of hex digits. */
export function hexToBytes(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A hex number as gdb writes addresses and lengths (up to 64 bits), or null. */
export function parseHex(text: string): bigint | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) return null;
  return BigInt('0x' + text);
}

/**
 * An address from gdb as the emulator's signed canonical number: upper-half addresses
 * (0xffff8000_00000000 and up) become negative. Null when it is not a number or not
 * canonical (no guest memory lives there).
 */
export function parseAddress(text: string): number | null {
  const v = parseHex(text);
  if (v === null) return null;
  const signed = v >= 1n << 63n ? v - (1n << 64n) : v;
  if (signed < -(1n << 47n) || signed >= 1n << 47n) return null;
  return Number(signed);
}

/** Text to hex (the payload of `O` console-output packets and qRcmd replies). */
export function textToHex(text: string): string {
  return bytesToHex(new TextEncoder().encode(text));
}

/** A byte string from raw bytes, and back. */
export function bytesToByteString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
