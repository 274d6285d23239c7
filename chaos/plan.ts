/**
 * The seeded plan of a chaos run: the catalog to build, the flash sale, every shopper's
 * script, the admin's actions and when the server is killed. It is a pure function of
 * the seed and the profile, so `--seed N` replays the same plan; how far the run gets
 * through it, and the interleaving, depend on timing.
 */
import { createHash } from "node:crypto";
import type { Profile } from "./options.ts";
import { createRandom, type Random } from "./random.ts";

export type Currency = "USD" | "EUR" | "JPY";

export interface VariantPlan {
  key: string;
  sku: string;
  kind: "hot" | "cold" | "flash";
  stock: number;
  prices: { USD: number; EUR: number };
}

export interface DiscountPlan {
  code: string;
  type: "percentage" | "fixed";
  percent?: number;
  amount?: number;
  currency?: Currency;
  usage_limit?: number;
}

export interface TaxRatePlan {
  country: string;
  name: string;
  rate_bps: number;
  inclusive: boolean;
}

/**
 * How a shopper pays: the tokens tried in order, then what they do at the end.
 * `decline_*` tokens keep the checkout locked (pay again); `tok_gateway_error` and
 * `tok_capture_decline` roll it back; `cancel` and `abandon` never pay.
 */
export type PaymentScenario =
  | "visa"
  | "decline_then_visa"
  | "insufficient_then_visa"
  | "decline_then_abandon"
  | "gateway_error_then_visa"
  | "capture_decline"
  | "cancel"
  | "abandon";

export const SCENARIO_TOKENS: Record<PaymentScenario, string[]> = {
  visa: ["tok_visa"],
  decline_then_visa: ["tok_decline", "tok_visa"],
  insufficient_then_visa: ["tok_insufficient_funds", "tok_visa"],
  decline_then_abandon: ["tok_decline"],
  gateway_error_then_visa: ["tok_gateway_error", "tok_visa"],
  capture_decline: ["tok_capture_decline"],
  cancel: [],
  abandon: [],
};

export interface ShopperPlan {
  id: number;
  currency: Currency;
  country: string | null;
  email: string | null;
  lines: Array<{ variant: string; quantity: number }>;
  discount: string | null;
  /** Send the create twice at once with one Idempotency-Key: one cart must come of it. */
  duplicateCreate: boolean;
  /** Start first (and see the quote), or go straight to complete (which starts). */
  flow: "start_then_complete" | "complete_directly";
  /** 1 for checkouts meant to expire while the run watches; otherwise the default. */
  ttlMinutes: 1 | null;
  scenario: PaymentScenario;
  /** Identical completes sent at once with one Idempotency-Key. */
  duplicates: 1 | 2 | 3;
  /** The first complete gives up after this many ms (then retries with the same key). */
  impatientMs: number | null;
  sendExpectedTotal: boolean;
  editWhileLocked: boolean;
  editAfterComplete: boolean;
  /**
   * Gone for good the first time a checkout request of theirs dies with the server: it
   * is never retried, so whatever it left half done must end by itself (alarm, cron).
   */
  vanishesOnCrash: boolean;
  thinkMs: number;
}

export type AdminActionPlan =
  | { kind: "price"; variant: string; prices: { USD: number; EUR: number } }
  | { kind: "release"; pick: number }
  | { kind: "stock"; variant: string; add: number }
  | { kind: "cron" }
  /**
   * A refund of a shopper's order: units of a line (`share` of what it has left, at least
   * one), an amount (`share` of what is refundable) or all that remains; sent `duplicates`
   * times at once under one key, and again under that key until answered.
   */
  | { kind: "refund"; pick: number; how: "lines" | "amount" | "all"; share: number; restock: boolean; duplicates: 1 | 2 }
  | { kind: "cancel"; pick: number; restock: boolean };

export interface ChaosPlan {
  seed: number;
  profile: Pick<Profile, "name" | "seconds" | "concurrency" | "crashes" | "flashShoppers" | "flashUnits">;
  variants: VariantPlan[];
  discounts: DiscountPlan[];
  taxRates: TaxRatePlan[];
  flash: FlashPlan;
  shoppers: ShopperPlan[];
  admin: Array<{ afterMs: number; action: AdminActionPlan }>;
  /** Moments of the run (ms after shoppers start) at which the server is SIGKILLed. */
  crashesAtMs: number[];
}

/**
 * The flash sale: `shoppers` buyers, one unit each, of a variant limited to `limit` per
 * customer. Buyers share customers (`emails[i]` is buyer i's, in varying letter case), so
 * the limit binds; two holders take a unit each first: one cancels after `releaseAfterMs`,
 * one walks away and its reservation lapses after its one-minute deadline.
 */
export interface FlashPlan {
  variant: string;
  shoppers: number;
  limit: number;
  emails: string[];
  releaseAfterMs: number;
}

const HOT_VARIANTS = 3;
const COLD_VARIANTS = 24;
/** Enough scripts that no run finishes its plan early; the clock stops the run. */
const SHOPPERS_PER_SECOND = 12;

function price(random: Random): { USD: number; EUR: number } {
  const usd = random.int(300, 6_000);
  return { USD: usd, EUR: Math.round(usd * 0.92) + random.int(-40, 40) };
}

function buildVariants(random: Random, profile: Profile): VariantPlan[] {
  const variants: VariantPlan[] = [];
  for (let i = 0; i < HOT_VARIANTS; i++) variants.push({ key: `hot${i}`, sku: `CHAOS-HOT-${i}`, kind: "hot", stock: random.int(6, 14), prices: price(random) });
  for (let i = 0; i < COLD_VARIANTS; i++) variants.push({ key: `cold${i}`, sku: `CHAOS-COLD-${i}`, kind: "cold", stock: 100_000, prices: price(random) });
  variants.push({ key: "flash", sku: "CHAOS-FLASH", kind: "flash", stock: profile.flashUnits, prices: price(random) });
  return variants;
}

const DISCOUNTS: DiscountPlan[] = [
  { code: "LIMIT3", type: "percentage", percent: 15, usage_limit: 3 },
  { code: "LIMIT8", type: "fixed", amount: 250, currency: "USD", usage_limit: 8 },
  { code: "EURO5", type: "percentage", percent: 5, usage_limit: 12 },
  { code: "OPEN10", type: "percentage", percent: 10 },
];

const TAX_RATES: TaxRatePlan[] = [
  { country: "US", name: "Sales tax", rate_bps: 725, inclusive: false },
  { country: "DE", name: "MwSt", rate_bps: 1_900, inclusive: true },
  { country: "JP", name: "Consumption tax", rate_bps: 1_000, inclusive: true },
];

const COUNTRY_OF: Record<Currency, string> = { USD: "US", EUR: "DE", JPY: "JP" };

function buildShopper(random: Random, id: number, variants: VariantPlan[]): ShopperPlan {
  const currency = random.weighted<Currency>([
    ["USD", 70],
    ["EUR", 20],
    ["JPY", 10],
  ]);
  const hot = variants.filter((v) => v.kind === "hot");
  const cold = variants.filter((v) => v.kind === "cold");
  const lineCount = random.int(1, 5);
  const chosen = new Map<string, number>();
  while (chosen.size < lineCount) {
    const variant = random.chance(0.35) ? random.pick(hot) : random.pick(cold);
    chosen.set(variant.key, variant.kind === "hot" ? random.int(1, 2) : random.int(1, 3));
  }
  const scenario = random.weighted<PaymentScenario>([
    ["visa", 44],
    ["decline_then_visa", 9],
    ["insufficient_then_visa", 5],
    ["decline_then_abandon", 5],
    ["gateway_error_then_visa", 8],
    ["capture_decline", 7],
    ["cancel", 12],
    ["abandon", 10],
  ]);
  const abandons = scenario === "abandon" || scenario === "decline_then_abandon";
  const vanishesOnCrash = random.chance(0.25);
  return {
    id,
    currency,
    country: random.chance(0.9) ? COUNTRY_OF[currency] : null,
    email: random.chance(0.8) ? `shopper${id}@example.com` : null,
    lines: [...chosen].map(([variant, quantity]) => ({ variant, quantity })),
    discount: random.chance(0.35) ? random.pick(DISCOUNTS).code : null,
    duplicateCreate: random.chance(0.12),
    flow:
      scenario === "cancel" || abandons
        ? "start_then_complete"
        : random.weighted([
            ["start_then_complete", 75],
            ["complete_directly", 25],
          ] as const),
    // Abandoned checkouts must expire while the run watches; some payers get one too.
    ttlMinutes: abandons || vanishesOnCrash || random.chance(0.15) ? 1 : null,
    scenario,
    duplicates: random.weighted([
      [1, 70],
      [2, 20],
      [3, 10],
    ] as const),
    impatientMs: random.chance(0.2) ? random.int(20, 400) : null,
    sendExpectedTotal: random.chance(0.5),
    editWhileLocked: random.chance(0.25),
    editAfterComplete: random.chance(0.25),
    vanishesOnCrash,
    thinkMs: random.int(0, 250),
  };
}

function buildAdmin(random: Random, variants: VariantPlan[], seconds: number): ChaosPlan["admin"] {
  const actions: ChaosPlan["admin"] = [];
  const priced = variants.filter((v) => v.kind !== "flash");
  const hot = variants.filter((v) => v.kind === "hot");
  let at = 0;
  while (at < seconds * 1_000) {
    at += random.int(700, 2_500);
    const kind = random.weighted([
      ["price", 36],
      ["release", 24],
      ["stock", 12],
      ["cron", 8],
      ["refund", 14],
      ["cancel", 6],
    ] as const);
    const action: AdminActionPlan =
      kind === "price"
        ? { kind, variant: random.pick(priced).key, prices: price(random) }
        : kind === "release"
          ? { kind, pick: random.next() }
          : kind === "stock"
            ? { kind, variant: random.pick(hot).key, add: random.int(1, 4) }
            : kind === "refund"
              ? {
                  kind,
                  pick: random.next(),
                  how: random.weighted([
                    ["lines", 50],
                    ["amount", 30],
                    ["all", 20],
                  ] as const),
                  share: random.next(),
                  restock: random.chance(0.6),
                  duplicates: random.chance(0.3) ? 2 : 1,
                }
              : kind === "cancel"
                ? { kind, pick: random.next(), restock: random.chance(0.8) }
                : { kind };
    actions.push({ afterMs: at, action });
  }
  return actions;
}

function buildFlash(random: Random, profile: Profile): FlashPlan {
  const limit = random.int(1, 2);
  // Around as many customers as units: most runs sell out (and buyers wait for the held
  // units), in some the limits leave units unsold.
  const customers = Math.max(1, random.int(Math.ceil(profile.flashUnits / limit) - 1, profile.flashUnits + 1));
  const emails = Array.from({ length: profile.flashShoppers }, (_, i) => {
    const email = `flash-customer${i < customers ? i : random.int(0, customers - 1)}@example.com`;
    return random.chance(0.3) ? email.toUpperCase() : email;
  });
  return { variant: "flash", shoppers: profile.flashShoppers, limit, emails, releaseAfterMs: random.int(300, 2_000) };
}

/** Orders the flash sale must make: each customer buys up to the limit, all of them up to the units. */
export function flashOrdersExpected(flash: Pick<FlashPlan, "limit" | "emails">, units: number): number {
  const perCustomer = new Map<string, number>();
  for (const email of flash.emails) perCustomer.set(email.toLowerCase(), (perCustomer.get(email.toLowerCase()) ?? 0) + 1);
  let demand = 0;
  for (const buyers of perCustomer.values()) demand += Math.min(buyers, flash.limit);
  return Math.min(units, demand);
}

/** Crash moments spread over the run (10%–85% of it), at least 4 s apart for a restart. */
function buildCrashes(random: Random, seconds: number, count: number): number[] {
  const start = seconds * 100;
  const end = seconds * 850;
  const slot = (end - start) / count;
  return Array.from({ length: count }, (_, i) => Math.round(start + i * slot + random.next() * Math.max(0, slot - 4_000)));
}

export function buildPlan(seed: number, profile: Profile): ChaosPlan {
  const random = createRandom(seed);
  const variants = buildVariants(random.fork("catalog"), profile);
  const shopperRandom = random.fork("shoppers");
  const shopperCount = Math.max(200, profile.seconds * SHOPPERS_PER_SECOND);
  return {
    seed,
    profile: {
      name: profile.name,
      seconds: profile.seconds,
      concurrency: profile.concurrency,
      crashes: profile.crashes,
      flashShoppers: profile.flashShoppers,
      flashUnits: profile.flashUnits,
    },
    variants,
    discounts: DISCOUNTS,
    taxRates: TAX_RATES,
    flash: buildFlash(random.fork("flash"), profile),
    shoppers: Array.from({ length: shopperCount }, (_, i) => buildShopper(shopperRandom, i + 1, variants)),
    admin: buildAdmin(random.fork("admin"), variants, profile.seconds),
    crashesAtMs: buildCrashes(random.fork("crashes"), profile.seconds, profile.crashes),
  };
}

/** A digest of the whole plan: two runs with the same seed and profile print the same one. */
export function planDigest(plan: ChaosPlan): string {
  return createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 16);
}
