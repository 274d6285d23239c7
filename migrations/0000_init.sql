CREATE TABLE `checkout_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`checkout_id` text NOT NULL,
	`at` text NOT NULL,
	`state` text NOT NULL,
	`phase` text NOT NULL,
	`event` text NOT NULL,
	`key` text NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `checkout_events_checkout_idx` ON `checkout_events` (`checkout_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `checkout_events_key_unique` ON `checkout_events` (`checkout_id`,`key`);--> statement-breakpoint
CREATE TABLE `checkouts` (
	`id` text PRIMARY KEY NOT NULL,
	`cart_id` text NOT NULL,
	`state` text NOT NULL,
	`phase` text NOT NULL,
	`currency` text NOT NULL,
	`total` integer,
	`order_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`failure_reason` text,
	`created_at` text NOT NULL,
	`locked_at` text,
	`completed_at` text,
	`failed_at` text,
	`cancelled_at` text,
	`expired_at` text,
	`expires_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `checkouts_cart_idx` ON `checkouts` (`cart_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `checkouts_state_expires_idx` ON `checkouts` (`state`,`expires_at`);--> statement-breakpoint
CREATE INDEX `checkouts_created_idx` ON `checkouts` (`created_at`);--> statement-breakpoint
CREATE TABLE `currencies` (
	`code` text PRIMARY KEY NOT NULL,
	`exponent` integer NOT NULL,
	`rate_from_base` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `discount_reservations` (
	`checkout_id` text NOT NULL,
	`code` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`checkout_id`, `code`),
	FOREIGN KEY (`code`) REFERENCES `discounts`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `discount_reservations_code_idx` ON `discount_reservations` (`code`,`status`);--> statement-breakpoint
CREATE TABLE `discounts` (
	`code` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`percent_bps` integer,
	`amount` integer,
	`currency` text,
	`starts_at` text,
	`ends_at` text,
	`usage_limit` integer,
	`min_subtotal` integer,
	`used_count` integer DEFAULT 0 NOT NULL,
	`reserved_count` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "discounts_usage_within_limit" CHECK("discounts"."usage_limit" IS NULL OR "discounts"."used_count" + "discounts"."reserved_count" <= "discounts"."usage_limit"),
	CONSTRAINT "discounts_counts_nonnegative" CHECK("discounts"."used_count" >= 0 AND "discounts"."reserved_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE `inventory` (
	`variant_id` text PRIMARY KEY NOT NULL,
	`on_hand` integer NOT NULL,
	`reserved` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "inventory_on_hand_nonnegative" CHECK("inventory"."on_hand" >= 0),
	CONSTRAINT "inventory_reserved_nonnegative" CHECK("inventory"."reserved" >= 0),
	CONSTRAINT "inventory_reserved_within_on_hand" CHECK("inventory"."reserved" <= "inventory"."on_hand")
);
--> statement-breakpoint
CREATE TABLE `inventory_adjustments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`variant_id` text NOT NULL,
	`delta` integer NOT NULL,
	`reason` text NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `inventory_adjustments_variant_idx` ON `inventory_adjustments` (`variant_id`);--> statement-breakpoint
CREATE TABLE `order_lines` (
	`order_id` text NOT NULL,
	`line_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`subtotal` integer NOT NULL,
	`discount_total` integer NOT NULL,
	`tax_total` integer NOT NULL,
	`total` integer NOT NULL,
	PRIMARY KEY(`order_id`, `line_id`)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`checkout_id` text NOT NULL,
	`cart_id` text NOT NULL,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`email` text,
	`subtotal` integer NOT NULL,
	`discount_total` integer NOT NULL,
	`tax_total` integer NOT NULL,
	`total` integer NOT NULL,
	`lines` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_checkout_unique` ON `orders` (`checkout_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_number_unique` ON `orders` (`number`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL,
	`enqueued_at` text,
	`delivered_at` text
);
--> statement-breakpoint
CREATE INDEX `outbox_status_created_idx` ON `outbox` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`checkout_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`provider` text NOT NULL,
	`reference` text,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`captured_amount` integer,
	`currency` text NOT NULL,
	`decline_code` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_checkout_attempt_unique` ON `payments` (`checkout_id`,`attempt`);--> statement-breakpoint
CREATE INDEX `payments_status_idx` ON `payments` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `price_snapshots` (
	`quote_id` text NOT NULL,
	`line_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`subtotal` integer NOT NULL,
	`discount_total` integer NOT NULL,
	`tax_total` integer NOT NULL,
	`total` integer NOT NULL,
	PRIMARY KEY(`quote_id`, `line_id`)
);
--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `quotes` (
	`id` text PRIMARY KEY NOT NULL,
	`checkout_id` text NOT NULL,
	`currency` text NOT NULL,
	`exchange_rate` text NOT NULL,
	`exchange_rate_updated_at` text,
	`subtotal` integer NOT NULL,
	`discount_total` integer NOT NULL,
	`tax_total` integer NOT NULL,
	`total` integer NOT NULL,
	`body` text NOT NULL,
	`signature` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	CONSTRAINT "quotes_total_nonnegative" CHECK("quotes"."total" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quotes_checkout_unique` ON `quotes` (`checkout_id`);--> statement-breakpoint
CREATE TABLE `stock_reservations` (
	`checkout_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`status` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`checkout_id`, `variant_id`),
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "stock_reservations_quantity_positive" CHECK("stock_reservations"."quantity" > 0)
);
--> statement-breakpoint
CREATE INDEX `stock_reservations_status_expires_idx` ON `stock_reservations` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `stock_reservations_variant_idx` ON `stock_reservations` (`variant_id`,`status`);--> statement-breakpoint
CREATE TABLE `tax_rates` (
	`country` text NOT NULL,
	`tax_class` text NOT NULL,
	`name` text NOT NULL,
	`rate_bps` integer NOT NULL,
	`inclusive` integer DEFAULT false NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`country`, `tax_class`),
	CONSTRAINT "tax_rates_rate_range" CHECK("tax_rates"."rate_bps" >= 0 AND "tax_rates"."rate_bps" <= 10000)
);
--> statement-breakpoint
CREATE TABLE `test_gateway_charges` (
	`id` text PRIMARY KEY NOT NULL,
	`authorization_key` text NOT NULL,
	`token` text NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`captured_amount` integer,
	`refunded_amount` integer,
	`currency` text NOT NULL,
	`decline_code` text,
	`metadata` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `test_gateway_charges_key_unique` ON `test_gateway_charges` (`authorization_key`);--> statement-breakpoint
CREATE TABLE `variant_prices` (
	`variant_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount` integer NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`variant_id`, `currency`),
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "variant_prices_amount_nonnegative" CHECK("variant_prices"."amount" >= 0)
);
--> statement-breakpoint
CREATE TABLE `variants` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`sku` text NOT NULL,
	`title` text NOT NULL,
	`tax_class` text DEFAULT 'standard' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `variants_sku_unique` ON `variants` (`sku`);--> statement-breakpoint
CREATE INDEX `variants_product_idx` ON `variants` (`product_id`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` integer,
	`ok` integer NOT NULL,
	`error` text,
	`duration_ms` integer,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_event_idx` ON `webhook_deliveries` (`event_id`,`attempt`);