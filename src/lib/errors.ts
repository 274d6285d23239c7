import type { ContentfulStatusCode } from "hono/utils/http-status";
import { defaultMessage, type ErrorCode, type ErrorDetails, errorStatus } from "./error-catalogue";

/** The docs/contract.md error envelope. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/**
 * A failure with a stable API code from the error catalogue, which gives its status.
 * Domain code throws these; the one `app.onError` turns them into the envelope.
 * Anything else is an internal error.
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: C,
    message: string = defaultMessage(code),
    readonly details?: ErrorDetails<C>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
    this.status = errorStatus(code);
  }

  /** The answer a cart object returns over RPC (errors do not keep their class across RPC). */
  toOutcome(): { status: number; body: ErrorBody; headers?: Record<string, string> } {
    return { status: this.status, body: this.toBody(), ...(this.headers ? { headers: this.headers } : {}) };
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const notFound = (what: string, details?: Record<string, unknown>) => new AppError("not_found", `${what} not found.`, details);

export const validationError = (message: string, issues: Array<{ path: string; message: string }>) => new AppError("validation_error", message, { issues });

/**
 * The runtime's own interruption (a Durable Object reset, restarted or overloaded):
 * Cloudflare marks those errors `retryable` or `overloaded`. Any other exception is a bug,
 * not a reason to retry.
 */
export function isRuntimeInterruption(error: unknown): boolean {
  const flags = errorFlags(error);
  return flags.retryable === true || flags.overloaded === true;
}

/**
 * What a Durable Object stub call threw, when it is not a refusal of the object's own
 * code: the runtime interrupted the call, or the object was lost under it (an error the
 * object's code threw carries `remote: true`; the runtime's own do not). The object
 * resumes from storage, so the client may retry.
 */
export function isObjectInterruption(error: unknown): boolean {
  return isRuntimeInterruption(error) || errorFlags(error).remote !== true;
}

function errorFlags(error: unknown): { retryable?: unknown; overloaded?: unknown; remote?: unknown } {
  return typeof error === "object" && error !== null ? error : {};
}
