import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The API.md error envelope. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * A failure with a stable API code. Domain code throws these; the one `app.onError`
 * turns them into the envelope. Anything else is an internal error.
 */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
  }

  /** The answer a cart object returns over RPC (errors do not keep their class across RPC). */
  toOutcome(): { status: number; body: ErrorBody; headers?: Record<string, string> } {
    return { status: this.status, body: this.toBody(), ...(this.headers ? { headers: this.headers } : {}) };
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const notFound = (what: string, details?: Record<string, unknown>) =>
  new AppError(404, "not_found", `${what} not found.`, details);

export const validationError = (message: string, issues: Array<{ path: string; message: string }>) =>
  new AppError(400, "validation_error", message, { issues });
