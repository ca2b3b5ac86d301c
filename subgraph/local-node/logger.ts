/** The node's logger: progress, warnings, mapping logs. Pass `silentLogger` to mute it. */
export interface NodeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: NodeLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Writes timestamped lines to stderr (stdout stays free for machine-readable output). */
export function consoleLogger(options: { debug?: boolean; prefix?: string } = {}): NodeLogger {
  const write = (level: string, message: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${level} ${options.prefix ?? 'local-node'}: ${message}\n`);
  };
  return {
    debug: (m) => (options.debug ? write('DEBUG', m) : undefined),
    info: (m) => write('INFO ', m),
    warn: (m) => write('WARN ', m),
    error: (m) => write('ERROR', m),
  };
}
