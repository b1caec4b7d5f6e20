import { CH_QUOTE, CH_EQ, quotedEnd, skipWs, skipWsBack } from './lex';

/** One `;name[=value]` parameter; `value` is null for a flag (`;lr`) and kept as written. */
export interface Param {
  readonly name: string;
  readonly value: string | null;
}

/**
 * An ordered, case-insensitive list of generic parameters (RFC 3261 §25.1 generic-param, and
 * URI parameters). Values keep their written form (quotes included) so printing is exact.
 */
export class Params {
  private list: Param[];

  constructor(list: readonly Param[] = []) {
    this.list = list.slice();
  }

  get size(): number {
    return this.list.length;
  }

  private indexOf(name: string): number {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const n = list[i]!.name;
      if (n === name || (n.length === name.length && n.toLowerCase() === name.toLowerCase())) return i;
    }
    return -1;
  }

  /** The value, `null` for a flag parameter, `undefined` if absent. */
  get(name: string): string | null | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.list[i]!.value;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** Replaces the first parameter of that name in place, or appends it. */
  set(name: string, value: string | null = null): this {
    const i = this.indexOf(name);
    if (i < 0) this.list.push({ name, value });
    else this.list[i] = { name: this.list[i]!.name, value };
    return this;
  }

  delete(name: string): boolean {
    const i = this.indexOf(name);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }

  entries(): readonly Param[] {
    return this.list;
  }

  clone(): Params {
    return new Params(this.list);
  }

  /** `;a=b;c` (or with another separator, e.g. `&` for URI headers after the first). */
  toString(sep = ';'): string {
    let out = '';
    for (const p of this.list) out += sep + (p.value === null ? p.name : p.name + '=' + p.value);
    return out;
  }
}

/**
 * Parses `;name[=value]...` from s[start, end), with optional whitespace around `;` and `=`
 * (header params allow SWS, §25.1). Returns null on a syntax fault (empty name, unbalanced quote).
 */
export function parseParams(s: string, start: number, end: number, lenientWs = true): Params | null {
  const list: Param[] = [];
  let i = start;
  while (i < end) {
    if (lenientWs) i = skipWs(s, i, end);
    if (i >= end) break;
    if (s.charCodeAt(i) !== 59) return null;
    i++;
    let j = i;
    let eq = -1;
    let stop = end;
    for (; j < end; j++) {
      const c = s.charCodeAt(j);
      if (c === 59) {
        stop = j;
        break;
      }
      if (c === CH_EQ && eq < 0) {
        eq = j;
        const v = lenientWs ? skipWs(s, j + 1, end) : j + 1;
        if (v < end && s.charCodeAt(v) === CH_QUOTE) {
          const q = quotedEnd(s, v, end);
          if (q < 0) return null;
          j = q;
        }
      }
    }
    const nameEnd = eq < 0 ? stop : eq;
    const nStart = lenientWs ? skipWs(s, i, nameEnd) : i;
    const nEnd = lenientWs ? skipWsBack(s, nameEnd, nStart) : nameEnd;
    if (nEnd <= nStart) return null;
    const name = s.slice(nStart, nEnd);
    let value: string | null = null;
    if (eq >= 0) {
      const vStart = lenientWs ? skipWs(s, eq + 1, stop) : eq + 1;
      const vEnd = lenientWs ? skipWsBack(s, stop, vStart) : stop;
      value = s.slice(vStart, vEnd);
    }
    list.push({ name, value });
    i = stop;
  }
  return new Params(list);
}
