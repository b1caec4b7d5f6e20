/**
 * Logging with categories and pluggable sinks. Lines follow mediasoup's shape:
 * `transaction.nict | enter completed [branch:z9hG4bK7f3a, status:200]`.
 * This file holds the only `console` use in the engine (the console sink).
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];
const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 5 };

export interface LogRecord {
  readonly level: Exclude<LogLevel, 'silent'>;
  readonly category: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly time: number;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  readonly category: string;
  child(sub: string): Logger;
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Shared by every logger created from one root: the level and the sinks. */
export class LogHub {
  level: LogLevel;
  private readonly sinks = new Set<LogSink>();

  constructor(level: LogLevel = 'info') {
    this.level = level;
  }

  addSink(sink: LogSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  write(record: LogRecord): void {
    for (const sink of this.sinks) {
      try {
        sink(record);
      } catch {
        // A broken sink must never take the engine down.
      }
    }
  }

  logger(category: string): Logger {
    return new CategoryLogger(this, category);
  }
}

class CategoryLogger implements Logger {
  constructor(
    private readonly hub: LogHub,
    readonly category: string,
  ) {}

  child(sub: string): Logger {
    return new CategoryLogger(this.hub, `${this.category}.${sub}`);
  }

  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return RANK[level] >= RANK[this.hub.level];
  }

  trace(message: string, fields?: Record<string, unknown>): void {
    this.emit('trace', message, fields);
  }
  debug(message: string, fields?: Record<string, unknown>): void {
    this.emit('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.emit('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.emit('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.emit('error', message, fields);
  }

  private emit(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (!this.isEnabled(level)) return;
    this.hub.write(fields ? { level, category: this.category, message, fields, time: Date.now() } : { level, category: this.category, message, time: Date.now() });
  }
}

/** Formats a record as `category | message [k:v, k:v]`. */
export function formatRecord(r: LogRecord): string {
  const extra = r.fields
    ? ' [' +
      Object.entries(r.fields)
        .map(([k, v]) => `${k}:${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ') +
      ']'
    : '';
  return `${r.category} | ${r.message}${extra}`;
}

/** Writes records to stderr (so stdout stays clean for CLI output and NDJSON). */
export function stderrSink(write: (line: string) => void = (l) => process.stderr.write(l)): LogSink {
  return (r) => write(`${new Date(r.time).toISOString()} ${r.level.toUpperCase().padEnd(5)} ${formatRecord(r)}\n`);
}

/** Collects records in memory; tests and the UI's log view read them. */
export function memorySink(into: LogRecord[], max = 10_000): LogSink {
  return (r) => {
    into.push(r);
    if (into.length > max) into.splice(0, into.length - max);
  };
}

/** The console sink, for quick diagnostics only. */
export function consoleSink(): LogSink {
  return (r) => console.error(formatRecord(r));
}

/** A logger that drops everything: the default where none is injected. */
export const nullLogger: Logger = new LogHub('silent').logger('null');

/**
 * Redacts credentials in a SIP wire trace (category `sip.wire`): the values of Authorization
 * and Proxy-Authorization headers never reach a log.
 */
export function redactSipTrace(text: string): string {
  return text.replace(/^((?:Proxy-)?Authorization[ \t]*:)[^\r\n]*/gim, '$1 <redacted>');
}
