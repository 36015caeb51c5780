/** Structured JSON logs. Every line about an object carries its namespace and name. */
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', silent = false): Logger {
  return winston.createLogger({
    level,
    silent,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: false }),
      winston.format.json(),
    ),
    defaultMeta: { component: 'posthog-settings-operator' },
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
