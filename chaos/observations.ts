/**
 * What the harness saw from the outside while the run went on: every logical request
 * sent with an Idempotency-Key (and all the answers it got), what each shopper ended
 * with, and the violations only a client can see (a locked cart that changed, a 500,
 * an order that is not its quote). The invariant checker adds what D1 shows.
 */

export interface Violation {
  invariant: string;
  message: string;
  evidence: unknown;
}

export type GroupKind = "create" | "line" | "discount" | "start" | "complete" | "cancel";

/** One logical storefront POST, repeated (duplicates, retries) under one Idempotency-Key. */
export interface IdempotencyGroup {
  key: string;
  kind: GroupKind;
  shopper: number;
  cartId: string | null;
  sends: number;
  /** Answers that are final and stored by the server (not 5xx, no Retry-After). */
  finals: Array<{ status: number; body: unknown }>;
  /** Crash epochs at the first send and at the last answer: a crash in between re-runs it. */
  firstEpoch: number;
  lastEpoch: number;
  /** The client gave up on it for good when the server died under it. */
  vanished?: boolean;
}

export type ShopperOutcome =
  | "completed"
  | "declined_then_left"
  | "failed"
  | "cancelled"
  | "abandoned"
  | "expired"
  | "released"
  | "out_of_stock"
  | "stopped"
  | "vanished"
  | "gave_up";

export interface ShopperRecord {
  id: number;
  cartId: string | null;
  token: string | null;
  outcome: ShopperOutcome;
  checkoutIds: string[];
  orderId: string | null;
  /** The quote total of each checkout the shopper saw locked. */
  quoteTotals: Record<string, number>;
  notes: string[];
}

/** One stock change the merchant sent (PUT on_hand = what it read + its add). */
export interface StockChange {
  variantId: string;
  /** on_hand as the merchant read it just before. */
  seen: number;
  /** The on_hand it sent. */
  sent: number;
  /** applied: 200; refused: a 4xx (nothing changed); unknown: no answer (the server died). */
  outcome: "applied" | "refused" | "unknown";
  /** What the applied change's answer said it recorded (`adjusted_by`: the on_hand set less the one it replaced). */
  adjustedBy?: number;
  readAt: number;
  answeredAt: number;
}

export class Observations {
  readonly groups: IdempotencyGroup[] = [];
  readonly shoppers: ShopperRecord[] = [];
  readonly violations: Violation[] = [];
  /** Checkouts shoppers saw locked, for the admin's releases (checkout id → cart id). */
  readonly locked = new Map<string, string>();
  /** Each flash buyer's definitive answer, with their email and how many completes it took. */
  readonly flash: Array<{ status: number; code: string | null; email: string; attempts: number }> = [];
  /** The flash sale's holders: their start, and the release of the one that gives its unit back. */
  readonly flashHolds: Array<{ kind: string; status: number }> = [];
  readonly stockChanges: StockChange[] = [];
  readonly admin = {
    prices: 0,
    stock: 0,
    cron: { ok: 0, failed: 0 },
    releases: { ok: 0, conflict: 0, notFound: 0, other: 0, routeMissing: 0 },
    /** Refunds by how they were answered: 201, 202 (pending at the gateway), refused (409/422), 502, other. */
    refunds: { succeeded: 0, pending: 0, refused: 0, gateway: 0, other: 0 },
    cancels: { cancelled: 0, pending: 0, refused: 0, other: 0 },
    skipped: 0,
  };
  crashEpoch = 0;

  group(kind: GroupKind, key: string, shopper: number, cartId: string | null): IdempotencyGroup {
    const group: IdempotencyGroup = { key, kind, shopper, cartId, sends: 0, finals: [], firstEpoch: this.crashEpoch, lastEpoch: this.crashEpoch };
    this.groups.push(group);
    return group;
  }

  violation(invariant: string, message: string, evidence: unknown): void {
    this.violations.push({ invariant, message, evidence });
  }
}
