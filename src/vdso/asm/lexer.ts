import { fail } from './errors.js';

/** Token kinds: identifier, number, string, punctuation. */
export type Tok =
  | { k: 'id'; s: string; shown?: string }
  | { k: 'num'; s: string; v: bigint }
  | { k: 'str'; s: string; bytes: number[] }
  | { k: 'p'; s: string };

const ID_START = /[A-Za-z_.$@]/;
const ID_CHAR = /[A-Za-z0-9_.$@]/;
const ALNUM = /[A-Za-z0-9_]/;
const TWO_CHAR = new Set(['<<', '>>']);
const ONE_CHAR = new Set(['[', ']', '(', ')', '+', '-', '*', '/', '%', '&', '|', '^', '~', ',', ':', '=']);

/**
 * Numbers follow GNU as: 0x1f, 0b101, 017 (octal), 42.
 * "1b"/"1f" are references to numeric local labels and come back as identifiers.
 */
function parseNumber(text: string): Tok {
  if (/^[0-9]+[bf]$/.test(text)) return { k: 'id', s: text };
  let v: bigint | undefined;
  if (/^0x[0-9a-f]+$/i.test(text)) v = BigInt(text);
  else if (/^0b[01]+$/i.test(text)) v = BigInt(text);
  else if (/^0[0-7]+$/.test(text)) v = BigInt('0o' + text.slice(1));
  else if (/^[0-9]+$/.test(text)) v = BigInt(text);
  if (v === undefined) fail(`bad number '${text}'`);
  return { k: 'num', s: text, v };
}

function escapeAt(src: string, i: number): { bytes: number[]; next: number } {
  // src[i] is the character after the backslash
  const c = src[i];
  if (c === undefined) fail('unterminated string');
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, v: 11, a: 7, e: 27, '\\': 92, '"': 34, "'": 39 };
  if (c in simple) return { bytes: [simple[c]!], next: i + 1 };
  if (c === 'x' || c === 'X') {
    let j = i + 1;
    while (j < src.length && /[0-9a-fA-F]/.test(src[j]!)) j++;
    if (j === i + 1) fail('bad \\x escape');
    return { bytes: [Number(BigInt('0x' + src.slice(i + 1, j)) & 0xffn)], next: j };
  }
  if (/[0-7]/.test(c)) {
    let j = i;
    while (j < src.length && j < i + 3 && /[0-7]/.test(src[j]!)) j++;
    return { bytes: [parseInt(src.slice(i, j), 8) & 0xff], next: j };
  }
  fail(`unknown escape '\\${c}'`);
}

function utf8(ch: string): number[] {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/** Splits one source line into tokens; a ';' or '#' outside a string starts a comment. */
export function lex(line: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') { i++; continue; }
    if (c === ';' || c === '#') break;
    if (c === '"') {
      const bytes: number[] = [];
      let j = i + 1;
      for (;;) {
        if (j >= line.length) fail('unterminated string');
        const d = line[j]!;
        if (d === '"') { j++; break; }
        if (d === '\\') { const e = escapeAt(line, j + 1); bytes.push(...e.bytes); j = e.next; continue; }
        const cp = line.codePointAt(j)!;
        const ch = String.fromCodePoint(cp);
        bytes.push(...utf8(ch));
        j += ch.length;
      }
      out.push({ k: 'str', s: line.slice(i, j), bytes });
      i = j;
      continue;
    }
    if (c === "'") {
      // character constant: 'a' (the closing quote is optional, as in GNU as)
      let j = i + 1;
      let v: number;
      if (line[j] === '\\') { const e = escapeAt(line, j + 1); v = e.bytes[0]!; j = e.next; }
      else if (j < line.length) { v = line.codePointAt(j)!; j += String.fromCodePoint(v).length; }
      else fail('bad character constant');
      if (line[j] === "'") j++;
      out.push({ k: 'num', s: line.slice(i, j), v: BigInt(v) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < line.length && ALNUM.test(line[j]!)) j++;
      out.push(parseNumber(line.slice(i, j)));
      i = j;
      continue;
    }
    if (ID_START.test(c)) {
      let j = i + 1;
      while (j < line.length && ID_CHAR.test(line[j]!)) j++;
      out.push({ k: 'id', s: line.slice(i, j) });
      i = j;
      continue;
    }
    const two = line.slice(i, i + 2);
    if (TWO_CHAR.has(two)) { out.push({ k: 'p', s: two }); i += 2; continue; }
    if (ONE_CHAR.has(c)) { out.push({ k: 'p', s: c }); i++; continue; }
    fail(`unexpected character '${c}'`);
  }
  return out;
}

/** Splits a token list at top-level commas (outside brackets and parentheses). */
export function splitCommas(toks: Tok[]): Tok[][] {
  const parts: Tok[][] = [];
  let cur: Tok[] = [];
  let depth = 0;
  for (const t of toks) {
    if (t.k === 'p') {
      if (t.s === '[' || t.s === '(') depth++;
      else if (t.s === ']' || t.s === ')') depth--;
      else if (t.s === ',' && depth === 0) { parts.push(cur); cur = []; continue; }
    }
    cur.push(t);
  }
  parts.push(cur);
  return parts;
}
