/** The messages above the page: the 423 lock banner, and notices (errors, declines, info). */
import { formatRemaining, stateName, type ApiErrorDetails } from "../../client";
import { LockIcon } from "../views/lock-icon";

export type LockDetails = ApiErrorDetails["cart_locked"];

export interface Notice {
  kind: "error" | "info" | "success";
  title: string;
  text?: string;
}

export function LockBanner(props: { lock: LockDetails; now: number; busy: boolean; onOpenCheckout(): void; onCancel(): void; onDismiss(): void }) {
  const { lock, now } = props;
  return (
    <section class="banner locked" role="alert" data-testid="lock-banner">
      <h2>
        <LockIcon /> Your cart is locked while you check out
      </h2>
      <p>
        Checkout <code>{lock.checkout_id}</code> holds your items and prices ({stateName({ state: lock.state })}, {formatRemaining(lock, now)} left), so the
        cart cannot change now. Pay to finish, or cancel the checkout to edit the cart again.
      </p>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onOpenCheckout}>
          Go to payment
        </button>
        <button type="button" class="danger" disabled={props.busy} onClick={props.onCancel}>
          Cancel checkout
        </button>
        <button type="button" class="link" onClick={props.onDismiss}>
          Dismiss
        </button>
      </div>
    </section>
  );
}

export function NoticeBanner(props: { notice: Notice; onDismiss(): void }) {
  const { notice } = props;
  return (
    <section class={`banner ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"} data-testid={`notice-${notice.kind}`}>
      <h2>{notice.title}</h2>
      {notice.text && <p>{notice.text}</p>}
      <div class="actions">
        <button type="button" class="link" onClick={props.onDismiss}>
          Dismiss
        </button>
      </div>
    </section>
  );
}
