/**
 * The SIP message model (RFC 3261 §7): `SipRequest` and `SipResponse` on a common `SipMessage`.
 * Header fields are kept in order with their original names and values as written, so printing
 * a parsed message gives back its bytes. Lookups are case-insensitive and compact-form aware.
 * Typed accessors (`vias`, `from`, `cseq` …) parse on first use and cache; the parser fills the
 * caches for the headers a transaction needs. Objects returned by accessors are snapshots: write
 * changes back through the matching setter (`msg.from = na`, `msg.vias = [...]`).
 */
import { SipParseError } from '../base/errors';
import { NON_LIST_HEADERS, SIP_VERSION, reasonPhrase } from './constants';
import { parseContacts } from './headers/contact';
import { parseCSeq, formatCSeq, type CSeq } from './headers/cseq';
import { parseRoutes } from './headers/route';
import { parseVias, type Via } from './headers/via';
import { headerKey } from './header-names';
import { parseDigits, splitTopLevel } from './lex';
import { parseNameAddr, type NameAddr } from './name-addr';
import { AbsoluteUri, parseUri, type Uri } from './uri';

// Stands in for a Request-URI that is still text (see SipRequest.withUriText).
const UNBUILT_URI: Uri = new AbsoluteUri('x', 'unbuilt');

export type { CSeq } from './headers/cseq';

/** One header field as written: original name, value with folding replaced by one space. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

export type HeaderInit = ReadonlyArray<readonly [name: string, value: string]>;

/** Anything whose `toString()` is a header value (Via, NameAddr, Uri …) or a string. */
export type HeaderValue = string | { toString(): string };

const EMPTY_BODY = Buffer.alloc(0);

export abstract class SipMessage {
  abstract readonly kind: 'request' | 'response';

  /** @internal parallel arrays: original names, values, lookup keys, value offsets (-1 if built). */
  _names: string[] = [];
  /** @internal */
  _values: string[] = [];
  /** @internal */
  _keys: string[] = [];
  /** @internal */
  _offsets: number[] = [];

  private _body: Buffer = EMPTY_BODY;
  // A parsed body stays in the parser's input until first read, then is copied out of it.
  private _bodySource: Buffer | undefined = undefined;
  private _bodyStart = 0;
  private _bodyEnd = 0;

  // Caches of typed views; `undefined` means not parsed yet.
  /** @internal */ _vias: Via[] | undefined;
  /** @internal */ _from: NameAddr | undefined;
  /** @internal */ _to: NameAddr | undefined;
  /** @internal */ _cseq: CSeq | undefined;
  /** @internal */ _callId: string | undefined;
  /** @internal */ _contentLength: number | undefined;
  /** @internal */ _maxForwards: number | null | undefined;
  /** @internal */ _contacts: NameAddr[] | '*' | undefined;
  /** @internal */ _routes: NameAddr[] | undefined;
  /** @internal */ _recordRoutes: NameAddr[] | undefined;

  constructor(headers?: HeaderInit, body?: Buffer | string) {
    if (headers !== undefined) for (const [n, v] of headers) this.append(n, v);
    if (body !== undefined) this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  }

  // ---- generic header access -------------------------------------------------------------

  /** Number of header fields (lines). */
  get headerCount(): number {
    return this._names.length;
  }

  /** Every header field in order, as written. */
  headerFields(): HeaderField[] {
    const out: HeaderField[] = [];
    for (let i = 0; i < this._names.length; i++) out.push({ name: this._names[i]!, value: this._values[i]! });
    return out;
  }

  has(name: string): boolean {
    return this._keys.indexOf(headerKey(name)) >= 0;
  }

  /**
   * The first value of a header: the first field's value, cut at its first top-level comma for
   * list headers (Via, Contact, Route …); never cut for auth, date and single-valued headers.
   */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const i = this._keys.indexOf(key);
    if (i < 0) return undefined;
    const v = this._values[i]!;
    if (NON_LIST_HEADERS.has(key) || v.indexOf(',') < 0) return v;
    return splitTopLevel(v)?.[0] ?? v;
  }

  /** Every value of a header across fields, split on top-level commas (not inside "" or <>). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const noSplit = NON_LIST_HEADERS.has(key);
    const out: string[] = [];
    for (let i = 0; i < this._keys.length; i++) {
      if (this._keys[i] !== key) continue;
      const v = this._values[i]!;
      if (noSplit || v.indexOf(',') < 0) out.push(v);
      else for (const part of splitTopLevel(v) ?? [v]) out.push(part);
    }
    return out;
  }

  /** Replaces every field of that header by one field per value, where the first one stood. */
  set(name: string, value: HeaderValue | readonly HeaderValue[]): this {
    const key = headerKey(name);
    const values = Array.isArray(value) ? (value as readonly HeaderValue[]) : [value as HeaderValue];
    let at = this._keys.indexOf(key);
    this.removeKey(key);
    if (at < 0 || at > this._keys.length) at = this._keys.length;
    for (const v of values) this.insertAt(at++, name, String(v), key);
    return this;
  }

  /** Adds a field after the last field of the same header, or at the end. */
  append(name: string, value: HeaderValue): this {
    const key = headerKey(name);
    const last = this._keys.lastIndexOf(key);
    this.insertAt(last < 0 ? this._keys.length : last + 1, name, String(value), key);
    return this;
  }

  /** Adds a field before the first field of the same header, or at the top. */
  prepend(name: string, value: HeaderValue): this {
    const key = headerKey(name);
    const first = this._keys.indexOf(key);
    this.insertAt(first < 0 ? 0 : first, name, String(value), key);
    return this;
  }

  /** Removes every field of that header; returns how many were removed. */
  remove(name: string): number {
    return this.removeKey(headerKey(name));
  }

  private insertAt(i: number, name: string, value: string, key: string): void {
    if (/[\r\n]/.test(value) || /[\r\n:]/.test(name)) throw new SipParseError(`header ${name} holds a line break or colon`, -1);
    this._names.splice(i, 0, name);
    this._values.splice(i, 0, value);
    this._keys.splice(i, 0, key);
    this._offsets.splice(i, 0, -1);
    this.invalidate(key);
  }

  private removeKey(key: string): number {
    let n = 0;
    for (let i = this._keys.length - 1; i >= 0; i--) {
      if (this._keys[i] !== key) continue;
      this._names.splice(i, 1);
      this._values.splice(i, 1);
      this._keys.splice(i, 1);
      this._offsets.splice(i, 1);
      n++;
    }
    if (n > 0) this.invalidate(key);
    return n;
  }

  private invalidate(key: string): void {
    switch (key) {
      case 'via': this._vias = undefined; break;
      case 'from': this._from = undefined; break;
      case 'to': this._to = undefined; break;
      case 'cseq': this._cseq = undefined; break;
      case 'call-id': this._callId = undefined; break;
      case 'content-length': this._contentLength = undefined; break;
      case 'max-forwards': this._maxForwards = undefined; break;
      case 'contact': this._contacts = undefined; break;
      case 'route': this._routes = undefined; break;
      case 'record-route': this._recordRoutes = undefined; break;
    }
  }

  /** Runs a header parser over every field of `key`, turning faults into a SipParseError. */
  private parseEach<T>(key: string, label: string, parse: (value: string) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < this._keys.length; i++) {
      if (this._keys[i] !== key) continue;
      try {
        out.push(parse(this._values[i]!));
      } catch (e) {
        if (!(e instanceof SipParseError)) throw e;
        const base = this._offsets[i]!;
        throw new SipParseError(`${e.message.startsWith('bad ') ? e.message : `bad ${label} header: ${e.message}`}`, base < 0 ? -1 : base + Math.max(0, e.offset));
      }
    }
    return out;
  }

  private single(key: string, label: string): string {
    const i = this._keys.indexOf(key);
    if (i < 0) throw new SipParseError(`missing ${label} header`, -1);
    return this._values[i]!;
  }

  // ---- typed accessors --------------------------------------------------------------------

  get callId(): string {
    return (this._callId ??= this.single('call-id', 'Call-ID').trim());
  }
  set callId(value: string) {
    this.set('Call-ID', value);
  }

  get cseq(): CSeq {
    if (this._cseq === undefined) {
      this.single('cseq', 'CSeq');
      this._cseq = this.parseEach('cseq', 'CSeq', (v) => parseCSeq(v))[0]!;
    }
    return this._cseq;
  }
  set cseq(value: CSeq) {
    this.set('CSeq', formatCSeq(value));
  }

  get from(): NameAddr {
    if (this._from === undefined) {
      this.single('from', 'From');
      this._from = this.parseEach('from', 'From', (v) => parseNameAddr(v))[0]!;
    }
    return this._from;
  }
  set from(value: NameAddr) {
    this.set('From', value.toString());
  }

  get to(): NameAddr {
    if (this._to === undefined) {
      this.single('to', 'To');
      this._to = this.parseEach('to', 'To', (v) => parseNameAddr(v))[0]!;
    }
    return this._to;
  }
  set to(value: NameAddr) {
    this.set('To', value.toString());
  }

  get fromTag(): string | undefined {
    return this.from.tag;
  }
  get toTag(): string | undefined {
    return this.to.tag;
  }

  /** Every Via in order, topmost first (§20.42), across fields and comma lists. */
  get vias(): readonly Via[] {
    if (this._vias === undefined) {
      const out: Via[] = [];
      this.parseEach('via', 'Via', (v) => parseVias(v, 0, v.length, out));
      this._vias = out;
    }
    return this._vias;
  }
  set vias(value: readonly Via[]) {
    this.set('Via', value.map((v) => v.toString()));
  }

  /** The topmost Via (throws SipParseError when there is none). */
  get via(): Via {
    const v = this.vias[0];
    if (v === undefined) throw new SipParseError('missing Via header', -1);
    return v;
  }

  /** Replaces the topmost Via value, keeping the others (e.g. to add received/rport, RFC 3581). */
  replaceTopVia(via: Via): void {
    const rest = this.vias.slice(1);
    this.vias = [via, ...rest];
  }

  /** Contact addresses; empty when absent or `*` (see `contactIsWildcard`). */
  get contacts(): readonly NameAddr[] {
    const c = this.contactValue();
    return c === '*' ? [] : c;
  }
  set contacts(value: readonly NameAddr[]) {
    this.set('Contact', value.map((v) => v.toString()));
  }

  /** True for `Contact: *` (REGISTER removing all bindings, §10.2.2). */
  get contactIsWildcard(): boolean {
    return this.contactValue() === '*';
  }

  private contactValue(): NameAddr[] | '*' {
    if (this._contacts === undefined) {
      const out: NameAddr[] = [];
      let star = false;
      this.parseEach('contact', 'Contact', (v) => {
        if (parseContacts(v, out) === '*') star = true;
      });
      if (star && out.length > 0) throw new SipParseError('bad Contact header: "*" mixed with addresses', -1);
      this._contacts = star ? '*' : out;
    }
    return this._contacts;
  }

  get routes(): readonly NameAddr[] {
    if (this._routes === undefined) {
      const out: NameAddr[] = [];
      this.parseEach('route', 'Route', (v) => parseRoutes(v, out));
      this._routes = out;
    }
    return this._routes;
  }
  set routes(value: readonly NameAddr[]) {
    if (value.length === 0) this.remove('Route');
    else this.set('Route', value.map((v) => v.toString()));
  }

  get recordRoutes(): readonly NameAddr[] {
    if (this._recordRoutes === undefined) {
      const out: NameAddr[] = [];
      this.parseEach('record-route', 'Record-Route', (v) => parseRoutes(v, out));
      this._recordRoutes = out;
    }
    return this._recordRoutes;
  }
  set recordRoutes(value: readonly NameAddr[]) {
    if (value.length === 0) this.remove('Record-Route');
    else this.set('Record-Route', value.map((v) => v.toString()));
  }

  /** Max-Forwards (0–255), or undefined when absent (§8.2.1 lets us be lenient). */
  get maxForwards(): number | undefined {
    if (this._maxForwards === undefined) {
      const i = this._keys.indexOf('max-forwards');
      if (i < 0) this._maxForwards = null;
      else {
        const v = this._values[i]!.trim();
        const n = parseDigits(v, 0, v.length, 10);
        if (n < 0 || n > 255) throw new SipParseError('bad Max-Forwards', this._offsets[i]!);
        this._maxForwards = n;
      }
    }
    return this._maxForwards ?? undefined;
  }
  set maxForwards(value: number) {
    this.set('Max-Forwards', String(value));
  }

  /**
   * The body bytes (empty when none). A parsed message copies them out of the parser's input on
   * first read, so that input must not be changed while the message is in use.
   */
  get body(): Buffer {
    if (this._bodySource !== undefined) {
      this._body = Buffer.from(this._bodySource.subarray(this._bodyStart, this._bodyEnd));
      this._bodySource = undefined;
    }
    return this._body;
  }
  set body(value: Buffer) {
    this._body = value;
    this._bodySource = undefined;
  }

  /** @internal the body is source[start, end), copied out when first read. */
  setBodySource(source: Buffer, start: number, end: number): void {
    this._bodySource = source;
    this._bodyStart = start;
    this._bodyEnd = end;
  }

  /** The Content-Length header's value if present, else the body length. */
  get contentLength(): number {
    if (this._contentLength === undefined) {
      const i = this._keys.indexOf('content-length');
      if (i < 0) return this._bodySource !== undefined ? this._bodyEnd - this._bodyStart : this._body.length;
      const v = this._values[i]!.trim();
      const n = parseDigits(v, 0, v.length, 10);
      if (n < 0) throw new SipParseError('bad Content-Length', this._offsets[i]!);
      this._contentLength = n;
    }
    return this._contentLength;
  }

  /** Content-Type, as written (media type and parameters). */
  get contentType(): string | undefined {
    return this.get('Content-Type');
  }

  /** The body decoded as UTF-8. */
  get bodyText(): string {
    return this.body.toString('utf8');
  }

  /** Sets the body (and Content-Type when given); Content-Length is fixed at serialization. */
  setBody(body: Buffer | string, contentType?: string): this {
    this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (contentType !== undefined) this.set('Content-Type', contentType);
    else if (this.body.length === 0) this.remove('Content-Type');
    this._contentLength = undefined;
    return this;
  }

  /** @internal copies headers and body into `target` (deep enough that edits do not leak). */
  protected copyInto<T extends SipMessage>(target: T): T {
    target._names = this._names.slice();
    target._values = this._values.slice();
    target._keys = this._keys.slice();
    target._offsets = this._offsets.slice();
    target.body = Buffer.from(this.body);
    return target;
  }

  abstract clone(): SipMessage;
  /** The start line without CRLF. */
  abstract startLine(): string;
}

export class SipRequest extends SipMessage {
  readonly kind = 'request' as const;
  /** SIP-Version of the request line; always "SIP/2.0" for parsed messages. */
  version = SIP_VERSION;
  method: string;
  // A parsed Request-URI is checked by the parser and built on first read.
  private _uri: Uri | undefined;
  private _uriText = '';

  constructor(method: string, uri: Uri, headers?: HeaderInit, body?: Buffer | string) {
    super(headers, body);
    this.method = method;
    this._uri = uri;
  }

  /** Builds a request; `uri` may be text. */
  static create(method: string, uri: Uri | string, headers?: HeaderInit, body?: Buffer | string): SipRequest {
    return new SipRequest(method, typeof uri === 'string' ? parseUri(uri) : uri, headers, body);
  }

  /** @internal a parsed request whose Request-URI text was checked by `checkUri`. */
  static withUriText(method: string, uriText: string): SipRequest {
    const r = new SipRequest(method, UNBUILT_URI);
    r._uri = undefined;
    r._uriText = uriText;
    return r;
  }

  get uri(): Uri {
    return (this._uri ??= parseUri(this._uriText));
  }
  set uri(value: Uri) {
    this._uri = value;
  }

  clone(): SipRequest {
    const r = this._uri === undefined ? SipRequest.withUriText(this.method, this._uriText) : new SipRequest(this.method, this._uri.clone());
    return this.copyInto(r);
  }

  startLine(): string {
    return `${this.method} ${this.uri.toString()} ${this.version}`;
  }
}

export class SipResponse extends SipMessage {
  readonly kind = 'response' as const;
  version = SIP_VERSION;

  constructor(
    public status: number,
    public reason: string = reasonPhrase(status),
    headers?: HeaderInit,
    body?: Buffer | string,
  ) {
    super(headers, body);
  }

  clone(): SipResponse {
    const r = new SipResponse(this.status, this.reason);
    return this.copyInto(r);
  }

  startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }
}

export function isRequest(m: SipMessage): m is SipRequest {
  return m.kind === 'request';
}

export function isResponse(m: SipMessage): m is SipResponse {
  return m.kind === 'response';
}
