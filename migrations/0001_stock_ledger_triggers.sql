-- The stock ledger and the discount limits are driven by reservation rows: inserting an
-- active row reserves, moving it to released/committed (or consumed) gives back or
-- takes. Every write is keyed by checkout id, so replaying a batch after a crash
-- changes nothing, and `reserved` always equals the sum of active reservations.
-- A CHECK on inventory/discounts raises inside the batch, which rolls the whole batch
-- back: all lines of a checkout reserve together or none do.

CREATE TRIGGER `stock_reservation_requires_inventory` BEFORE INSERT ON `stock_reservations`
WHEN NOT EXISTS (SELECT 1 FROM `inventory` WHERE `variant_id` = NEW.`variant_id`)
BEGIN
  SELECT RAISE(ABORT, 'inventory_missing');
END;
--> statement-breakpoint
CREATE TRIGGER `stock_reservation_reserve` AFTER INSERT ON `stock_reservations`
WHEN NEW.`status` = 'active'
BEGIN
  UPDATE `inventory` SET `reserved` = `reserved` + NEW.`quantity`, `updated_at` = NEW.`updated_at`
  WHERE `variant_id` = NEW.`variant_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `stock_reservation_final` BEFORE UPDATE ON `stock_reservations`
WHEN OLD.`status` <> 'active' AND NEW.`status` <> OLD.`status`
  OR NEW.`quantity` <> OLD.`quantity` OR NEW.`variant_id` <> OLD.`variant_id`
BEGIN
  SELECT RAISE(ABORT, 'stock_reservation_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER `stock_reservation_release` AFTER UPDATE OF `status` ON `stock_reservations`
WHEN OLD.`status` = 'active' AND NEW.`status` = 'released'
BEGIN
  UPDATE `inventory` SET `reserved` = `reserved` - OLD.`quantity`, `updated_at` = NEW.`updated_at`
  WHERE `variant_id` = OLD.`variant_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `stock_reservation_commit` AFTER UPDATE OF `status` ON `stock_reservations`
WHEN OLD.`status` = 'active' AND NEW.`status` = 'committed'
BEGIN
  UPDATE `inventory` SET `reserved` = `reserved` - OLD.`quantity`, `on_hand` = `on_hand` - OLD.`quantity`,
    `updated_at` = NEW.`updated_at`
  WHERE `variant_id` = OLD.`variant_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `stock_reservation_no_delete` BEFORE DELETE ON `stock_reservations`
WHEN OLD.`status` = 'active'
BEGIN
  SELECT RAISE(ABORT, 'stock_reservation_active');
END;
--> statement-breakpoint
CREATE TRIGGER `discount_reservation_requires_discount` BEFORE INSERT ON `discount_reservations`
WHEN NOT EXISTS (SELECT 1 FROM `discounts` WHERE `code` = NEW.`code`)
BEGIN
  SELECT RAISE(ABORT, 'discount_missing');
END;
--> statement-breakpoint
CREATE TRIGGER `discount_reservation_reserve` AFTER INSERT ON `discount_reservations`
WHEN NEW.`status` = 'active'
BEGIN
  UPDATE `discounts` SET `reserved_count` = `reserved_count` + 1 WHERE `code` = NEW.`code`;
END;
--> statement-breakpoint
CREATE TRIGGER `discount_reservation_transition` BEFORE UPDATE OF `status` ON `discount_reservations`
WHEN NOT (
  (OLD.`status` = 'active' AND NEW.`status` IN ('consumed', 'released'))
  OR (OLD.`status` = 'consumed' AND NEW.`status` IN ('released', 'active'))
  OR NEW.`status` = OLD.`status`
)
BEGIN
  SELECT RAISE(ABORT, 'discount_reservation_final');
END;
--> statement-breakpoint
CREATE TRIGGER `discount_reservation_consume` AFTER UPDATE OF `status` ON `discount_reservations`
WHEN OLD.`status` = 'active' AND NEW.`status` = 'consumed'
BEGIN
  UPDATE `discounts` SET `reserved_count` = `reserved_count` - 1, `used_count` = `used_count` + 1 WHERE `code` = OLD.`code`;
END;
--> statement-breakpoint
CREATE TRIGGER `discount_reservation_release` AFTER UPDATE OF `status` ON `discount_reservations`
WHEN OLD.`status` = 'active' AND NEW.`status` = 'released'
BEGIN
  UPDATE `discounts` SET `reserved_count` = `reserved_count` - 1 WHERE `code` = OLD.`code`;
END;
--> statement-breakpoint
CREATE TRIGGER `discount_reservation_unconsume` AFTER UPDATE OF `status` ON `discount_reservations`
WHEN OLD.`status` = 'consumed' AND NEW.`status` = 'released'
BEGIN
  UPDATE `discounts` SET `used_count` = `used_count` - 1 WHERE `code` = OLD.`code`;
END;
--> statement-breakpoint
-- A checkout whose payment was rolled back after an interruption returns to `locked`
-- and keeps its discount: the consumed use becomes a reservation again.
CREATE TRIGGER `discount_reservation_reactivate` AFTER UPDATE OF `status` ON `discount_reservations`
WHEN OLD.`status` = 'consumed' AND NEW.`status` = 'active'
BEGIN
  UPDATE `discounts` SET `used_count` = `used_count` - 1, `reserved_count` = `reserved_count` + 1 WHERE `code` = OLD.`code`;
END;
