CREATE TABLE `purchase_limits` (
	`variant_id` text PRIMARY KEY NOT NULL,
	`max_per_customer` integer NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "purchase_limits_max_positive" CHECK("purchase_limits"."max_per_customer" >= 1)
);
--> statement-breakpoint
ALTER TABLE `stock_reservations` ADD `customer_email` text;--> statement-breakpoint
CREATE INDEX `stock_reservations_customer_idx` ON `stock_reservations` (`variant_id`,`customer_email`);--> statement-breakpoint
-- Purchase limits serialise here, like the stock CHECK and the discount counters: a new
-- active reservation of a limited variant that would take its customer's units (active
-- plus committed reservations, by lower-cased email) past `max_per_customer` raises and
-- rolls the whole reservation batch back, so concurrent checkouts of one customer can
-- never pass the limit. A replayed reservation (its row exists) is left to the insert's
-- ON CONFLICT DO NOTHING and never counts itself.
CREATE TRIGGER `stock_reservation_within_purchase_limit` BEFORE INSERT ON `stock_reservations`
WHEN NEW.`status` = 'active'
  AND EXISTS (SELECT 1 FROM `purchase_limits` WHERE `variant_id` = NEW.`variant_id`)
  AND NOT EXISTS (SELECT 1 FROM `stock_reservations` WHERE `checkout_id` = NEW.`checkout_id` AND `variant_id` = NEW.`variant_id`)
BEGIN
  SELECT RAISE(ABORT, 'purchase_limit_email_required') WHERE NEW.`customer_email` IS NULL;
  SELECT RAISE(ABORT, 'purchase_limit_exceeded')
  WHERE (SELECT COALESCE(SUM(`quantity`), 0) FROM `stock_reservations`
         WHERE `variant_id` = NEW.`variant_id` AND `customer_email` = NEW.`customer_email` AND `status` IN ('active', 'committed'))
        + NEW.`quantity` > (SELECT `max_per_customer` FROM `purchase_limits` WHERE `variant_id` = NEW.`variant_id`);
END;
