/**
 * What one cart object holds: its cart and its checkout (in memory and in its
 * synchronous storage as one, see cart-state.ts) and the dependencies it talks to. The
 * saga and, in tests, the probe each get a view of it made of closures, so neither needs
 * anything public on the object itself.
 */
import type { Database } from "../db/client";
import type { Config } from "../lib/config";
import type { Logger } from "../lib/logger";
import type { PaymentGateway } from "../payments/gateway";
import type { CartState, CheckoutRecord } from "./cart-state";
import type { Probe, ProbedCart } from "./saga/probe";
import type { SagaHost } from "./saga/saga-context";

export interface CartDependencies {
  db: Database;
  gateway: PaymentGateway;
  log: Logger;
}

export class CartStore {
  #cart: CartState | null;
  #checkout: CheckoutRecord | null;

  constructor(
    private readonly kv: SyncKvStorage,
    /** Read on every use, never copied: a test may swap one through the probe. */
    readonly deps: CartDependencies,
  ) {
    // The SQLite-backed key-value API is synchronous: the state is loaded before any event.
    this.#cart = kv.get<CartState>("cart") ?? null;
    this.#checkout = kv.get<CheckoutRecord>("checkout") ?? null;
  }

  get cart(): CartState | null {
    return this.#cart;
  }

  get checkout(): CheckoutRecord | null {
    return this.#checkout;
  }

  saveCart(cart: CartState): void {
    this.#cart = cart;
    this.kv.put("cart", cart);
  }

  saveCheckout(rec: CheckoutRecord): void {
    this.#checkout = rec;
    this.kv.put("checkout", rec);
  }

  /** The saga's view: the cart's state and dependencies, and the object's alarm. */
  sagaHost(config: Config, quoteSecret: string, probe: Probe | null, scheduleAlarm: () => Promise<void>): SagaHost {
    const { deps } = this;
    return {
      config,
      quoteSecret,
      probe,
      get db() {
        return deps.db;
      },
      get gateway() {
        return deps.gateway;
      },
      get log() {
        return deps.log;
      },
      cart: () => this.#cart!,
      saveCart: (cart) => this.saveCart(cart),
      checkout: () => this.#checkout,
      saveCheckout: (rec) => this.saveCheckout(rec),
      scheduleAlarm,
    };
  }

  /** A test's view (through the probe, only with CHECKOUT_FAULT_INJECTION=enabled). */
  probed(alarm: () => Promise<void>): ProbedCart {
    const { deps } = this;
    return {
      cart: () => this.#cart!,
      saveCart: (cart) => this.saveCart(cart),
      checkout: () => this.#checkout,
      saveCheckout: (rec) => this.saveCheckout(rec),
      alarm,
      get db() {
        return deps.db;
      },
      set db(db) {
        deps.db = db;
      },
      get gateway() {
        return deps.gateway;
      },
      set gateway(gateway) {
        deps.gateway = gateway;
      },
      get log() {
        return deps.log;
      },
      set log(log) {
        deps.log = log;
      },
    };
  }
}
