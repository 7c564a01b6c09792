/*
 * Structured logs: one JSON object per line, with the time, the level, a message and fields.
 */

/** Levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'error';

/** Fields of a log line (values must be JSON-serializable; errors are written as their message). */
export type LogFields = Readonly<Record<string, unknown>>;

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Options of {@link jsonLogger}. */
export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go (without the newline). @default a write to stderr */
  readonly write?: (line: string) => void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, error: 2 };

function plain(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/** A logger that writes one JSON object per line: `{"ts":…,"level":…,"msg":…,…fields}`. */
export function jsonLogger(options: JsonLoggerOptions = {}, base: LogFields = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < min) return;
    const line: Record<string, unknown> = { ts: new Date().toISOString(), level, msg };
    for (const [k, v] of Object.entries(base)) line[k] = plain(v);
    for (const [k, v] of Object.entries(fields)) line[k] = plain(v);
    write(JSON.stringify(line));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => jsonLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
