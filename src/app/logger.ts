// Structured JSON logs on stdout (pino), with secret-looking keys redacted wherever they appear.
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { redactSecrets } from "./redact.js";

export type { Logger } from "pino";

export interface LoggerSettings {
  name: string;
  level?: string;
  /** Defaults to stdout; tests pass a stream to read the lines. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? "info",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => redactSecrets(obj) as Record<string, unknown>,
    },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
