CREATE TABLE `refund_lines` (
	`refund_id` text NOT NULL,
	`order_id` text NOT NULL,
	`line_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`amount` integer NOT NULL,
	`units_before` integer NOT NULL,
	`amount_before` integer NOT NULL,
	PRIMARY KEY(`refund_id`, `line_id`),
	CONSTRAINT "refund_lines_quantity_positive" CHECK("refund_lines"."quantity" > 0),
	CONSTRAINT "refund_lines_amount_nonnegative" CHECK("refund_lines"."amount" >= 0)
);
--> statement-breakpoint
CREATE INDEX `refund_lines_order_line_idx` ON `refund_lines` (`order_id`,`line_id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`restock` integer DEFAULT false NOT NULL,
	`reason` text,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`gateway_reference` text,
	`failure` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`settled_at` text,
	CONSTRAINT "refunds_amount_nonnegative" CHECK("refunds"."amount" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_order_key_unique` ON `refunds` (`order_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `refunds_order_idx` ON `refunds` (`order_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `refunds_status_idx` ON `refunds` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `refunds_gateway_reference_idx` ON `refunds` (`gateway_reference`);--> statement-breakpoint
CREATE TABLE `stock_restocks` (
	`refund_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`refund_id`, `variant_id`),
	CONSTRAINT "stock_restocks_quantity_positive" CHECK("stock_restocks"."quantity" > 0)
);
--> statement-breakpoint
CREATE INDEX `stock_restocks_variant_idx` ON `stock_restocks` (`variant_id`);--> statement-breakpoint
CREATE TABLE `test_gateway_refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`charge_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`metadata` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `test_gateway_refunds_key_unique` ON `test_gateway_refunds` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `test_gateway_refunds_charge_idx` ON `test_gateway_refunds` (`charge_id`);--> statement-breakpoint
CREATE TABLE `unmatched_gateway_refunds` (
	`event_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`reference` text NOT NULL,
	`payment_reference` text,
	`status` text NOT NULL,
	`amount` integer,
	`currency` text,
	`payload` text,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `unmatched_gateway_refunds_received_idx` ON `unmatched_gateway_refunds` (`received_at`);--> statement-breakpoint
ALTER TABLE `orders` ADD `refunded_total` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `orders_created_idx` ON `orders` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_email_idx` ON `orders` (`email`);--> statement-breakpoint
-- Refunds serialise here, like the stock ledger: a pending refund that would take the
-- order's pending + succeeded refunds past its captured amount, or a line's refunded
-- units past its quantity, raises and rolls its whole batch back. Racing admins, a
-- retried request and a cancel can never refund more than was captured.
CREATE TRIGGER `refund_requires_refundable_order` BEFORE INSERT ON `refunds`
WHEN NOT EXISTS (
  SELECT 1 FROM `orders` WHERE `id` = NEW.`order_id` AND `status` IN ('paid', 'partially_refunded', 'refunded')
)
BEGIN
  SELECT RAISE(ABORT, 'order_not_refundable');
END;
--> statement-breakpoint
CREATE TRIGGER `refund_within_captured` BEFORE INSERT ON `refunds`
WHEN NEW.`status` <> 'pending'
  OR (SELECT COALESCE(SUM(`amount`), 0) FROM `refunds` WHERE `order_id` = NEW.`order_id` AND `status` IN ('pending', 'succeeded')) + NEW.`amount`
    > (SELECT COALESCE(SUM(COALESCE(p.`captured_amount`, p.`amount`)), 0) FROM `payments` p JOIN `orders` o ON p.`checkout_id` = o.`checkout_id`
       WHERE o.`id` = NEW.`order_id` AND p.`status` = 'captured')
BEGIN
  SELECT RAISE(ABORT, 'refund_exceeds_captured');
END;
--> statement-breakpoint
CREATE TRIGGER `refund_settles_once` BEFORE UPDATE ON `refunds`
WHEN (OLD.`status` <> 'pending' AND NEW.`status` <> OLD.`status`)
  OR NEW.`amount` <> OLD.`amount` OR NEW.`order_id` <> OLD.`order_id` OR NEW.`kind` <> OLD.`kind`
BEGIN
  SELECT RAISE(ABORT, 'refund_settled');
END;
--> statement-breakpoint
CREATE TRIGGER `refund_line_within_quantity` BEFORE INSERT ON `refund_lines`
WHEN (SELECT COALESCE(SUM(rl.`quantity`), 0) FROM `refund_lines` rl JOIN `refunds` r ON r.`id` = rl.`refund_id`
      WHERE rl.`order_id` = NEW.`order_id` AND rl.`line_id` = NEW.`line_id` AND r.`status` IN ('pending', 'succeeded')) + NEW.`quantity`
  > COALESCE((SELECT `quantity` FROM `order_lines` WHERE `order_id` = NEW.`order_id` AND `line_id` = NEW.`line_id`), 0)
BEGIN
  SELECT RAISE(ABORT, 'refund_exceeds_quantity');
END;
--> statement-breakpoint
-- A line's share is computed from what the line had refunded; if another refund of the
-- line landed meanwhile, the share is stale and the request computes it again.
CREATE TRIGGER `refund_line_current` BEFORE INSERT ON `refund_lines`
WHEN (SELECT COALESCE(SUM(rl.`quantity`), 0) || ':' || COALESCE(SUM(rl.`amount`), 0) FROM `refund_lines` rl JOIN `refunds` r ON r.`id` = rl.`refund_id`
      WHERE rl.`order_id` = NEW.`order_id` AND rl.`line_id` = NEW.`line_id` AND r.`status` IN ('pending', 'succeeded'))
  <> NEW.`units_before` || ':' || NEW.`amount_before`
BEGIN
  SELECT RAISE(ABORT, 'refund_stale');
END;
--> statement-breakpoint
CREATE TRIGGER `refund_line_no_change` BEFORE UPDATE ON `refund_lines`
BEGIN
  SELECT RAISE(ABORT, 'refund_line_immutable');
END;
--> statement-breakpoint
-- Restocks are the stock ledger's fourth movement: units of a refunded line come back.
CREATE TRIGGER `stock_restock_requires_inventory` BEFORE INSERT ON `stock_restocks`
WHEN NOT EXISTS (SELECT 1 FROM `inventory` WHERE `variant_id` = NEW.`variant_id`)
BEGIN
  SELECT RAISE(ABORT, 'inventory_missing');
END;
--> statement-breakpoint
CREATE TRIGGER `stock_restock_return` AFTER INSERT ON `stock_restocks`
BEGIN
  UPDATE `inventory` SET `on_hand` = `on_hand` + NEW.`quantity`, `updated_at` = NEW.`created_at`
  WHERE `variant_id` = NEW.`variant_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `stock_restock_no_change` BEFORE UPDATE ON `stock_restocks`
BEGIN
  SELECT RAISE(ABORT, 'stock_restock_immutable');
END;
