/** One diagnostic's verdict, as the whole-system and the per-lock diagnostics report it. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface DiagnosticCheck {
  name: string;
  status: CheckStatus;
  /** One human sentence, then the evidence. */
  details: { summary: string } & Record<string, unknown>;
}

export function worst(statuses: CheckStatus[]): CheckStatus {
  return statuses.includes("fail") ? "fail" : statuses.includes("warn") ? "warn" : "ok";
}

export const diagnosticCheck = (name: string, status: CheckStatus, summary: string, evidence: Record<string, unknown> = {}): DiagnosticCheck => ({
  name,
  status,
  details: { summary, ...evidence },
});
