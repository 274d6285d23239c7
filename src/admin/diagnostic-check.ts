/** One diagnostic's verdict, as the whole-system and the per-lock diagnostics report it (the contract's `Check`). */
import type { Check, CheckStatus } from "../contract/diagnostics";

export type { CheckStatus };
export type DiagnosticCheck = Check;

export function worst(statuses: CheckStatus[]): CheckStatus {
  return statuses.includes("fail") ? "fail" : statuses.includes("warn") ? "warn" : "ok";
}

export const diagnosticCheck = (name: string, status: CheckStatus, summary: string, evidence: Record<string, unknown> = {}): DiagnosticCheck => ({
  name,
  status,
  details: { summary, ...evidence },
});
