/**
 * Structured JSON logs: one line per event, with checkout_id, cart_id, phase and
 * duration_ms where they apply, and the request_id of the request being handled.
 * Workers Logs indexes the fields of JSON lines.
 */
import { currentRequestId } from "./request-id";

export type LogLevel = "info" | "warn" | "error";

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export function createLogger(enabled: boolean, base: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, event: string, fields?: Record<string, unknown>) => {
    // Errors are always written: an operator must see them even with logging turned down.
    if (!enabled && level !== "error") return;
    const requestId = currentRequestId();
    const line = JSON.stringify({ level, event, at: new Date().toISOString(), ...(requestId ? { request_id: requestId } : {}), ...base, ...fields });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
  };
}

export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { error: error.message, error_name: error.name, stack: error.stack };
  return { error: String(error) };
}
