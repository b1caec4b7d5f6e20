import { CH_QUOTE, quotedEnd, skipWs, skipWsBack } from './lex';

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
  return scanParams(s, start, end, lenientWs, '', list) ? new Params(list) : null;
}

/** `paramHit.start` when the wanted parameter is absent. */
export const PARAM_ABSENT = -1;
/** `paramHit.start` when the wanted parameter is a flag (no `=`). */
export const PARAM_FLAG = -2;

/**
 * Where the last `scanParams` call found its wanted parameter: the value's range in the scanned
 * string, or `start` PARAM_ABSENT / PARAM_FLAG. Read it right after the call.
 */
export const paramHit = { start: PARAM_ABSENT, end: PARAM_ABSENT };

/**
 * The grammar of `parseParams` without building it: checks s[start, end), pushes each
 * parameter to `list` when one is given, and records in `paramHit` the first parameter whose
 * name equals `want` (lower-case ASCII; '' for none) case-insensitively, as `Params.get` finds
 * it. Returns false on a syntax fault.
 */
export function scanParams(s: string, start: number, end: number, lenientWs: boolean, want: string, list: Param[] | null): boolean {
  paramHit.start = PARAM_ABSENT;
  paramHit.end = PARAM_ABSENT;
  const wantLen = want.length;
  // The next "=" at or after i, found with indexOf and reused until passed, so a run of flags
  // does not rescan the rest of the string for each one.
  let nextEq = -1;
  let i = start;
  while (i < end) {
    if (lenientWs) i = skipWs(s, i, end);
    if (i >= end) break;
    if (s.charCodeAt(i) !== 59) return false;
    i++;
    let stop = s.indexOf(';', i);
    if (stop < 0 || stop > end) stop = end;
    if (nextEq < i) {
      nextEq = s.indexOf('=', i);
      if (nextEq < 0) nextEq = end;
    }
    let eq = -1;
    if (nextEq < stop) {
      // The first "=" of this parameter; a quoted value may hold ";" (§25.1 quoted-string).
      eq = nextEq;
      const v = lenientWs ? skipWs(s, eq + 1, end) : eq + 1;
      if (v < end && s.charCodeAt(v) === CH_QUOTE) {
        const q = quotedEnd(s, v, end);
        if (q < 0) return false;
        if (q >= stop) {
          stop = s.indexOf(';', q + 1);
          if (stop < 0 || stop > end) stop = end;
        }
      }
    }
    const nameEnd = eq < 0 ? stop : eq;
    const nStart = lenientWs ? skipWs(s, i, nameEnd) : i;
    const nEnd = lenientWs ? skipWsBack(s, nameEnd, nStart) : nameEnd;
    if (nEnd <= nStart) return false;
    let vStart = -1;
    let vEnd = -1;
    if (eq >= 0) {
      vStart = lenientWs ? skipWs(s, eq + 1, stop) : eq + 1;
      vEnd = lenientWs ? skipWsBack(s, stop, vStart) : stop;
    }
    if (list !== null) list.push({ name: s.slice(nStart, nEnd), value: eq >= 0 ? s.slice(vStart, vEnd) : null });
    if (nEnd - nStart === wantLen && paramHit.start === PARAM_ABSENT && sameName(s, nStart, want)) {
      paramHit.start = eq >= 0 ? vStart : PARAM_FLAG;
      paramHit.end = vEnd;
    }
    i = stop;
  }
  return true;
}

/**
 * `scanParams` for parameters already known to be well formed and free of white space and
 * quotes (a fast-path pattern matched them): records in `paramHit` where the first parameter
 * named `want` has its value, without checking anything. s[start] is the first ";".
 */
export function findCleanParam(s: string, start: number, end: number, want: string): void {
  paramHit.start = PARAM_ABSENT;
  paramHit.end = PARAM_ABSENT;
  // Usually the wanted one comes first, spelled as asked (";tag=…", ";branch=…").
  const v = start + 2 + want.length;
  if (v <= end && s.charCodeAt(v - 1) === 61 && s.startsWith(want, start + 1)) {
    let stop = s.indexOf(';', v);
    if (stop < 0 || stop > end) stop = end;
    paramHit.start = v;
    paramHit.end = stop;
    return;
  }
  let nextEq = -1;
  let i = start;
  while (i < end) {
    let stop = s.indexOf(';', i + 1);
    if (stop < 0 || stop > end) stop = end;
    if (nextEq <= i) {
      nextEq = s.indexOf('=', i + 1);
      if (nextEq < 0) nextEq = end;
    }
    const nameEnd = nextEq < stop ? nextEq : stop;
    if (nameEnd - i - 1 === want.length && sameName(s, i + 1, want)) {
      if (nextEq < stop) {
        paramHit.start = nextEq + 1;
        paramHit.end = stop;
      } else {
        paramHit.start = PARAM_FLAG;
      }
      return;
    }
    i = stop;
  }
}

/** s at `at` spells `lower` (lower-case ASCII) ignoring case, as `toLowerCase` compares. */
function sameName(s: string, at: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    const c = s.charCodeAt(at + k);
    const w = lower.charCodeAt(k);
    if (c === w) continue;
    if (c >= 65 && c <= 90 && (c | 0x20) === w) continue;
    if (c === 0x212a && w === 107) continue; // KELVIN SIGN lower-cases to "k"
    return false;
  }
  return true;
}
