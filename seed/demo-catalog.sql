-- The demo catalog for `npm start`: idempotent (INSERT OR IGNORE), so running it
-- again changes nothing. Prices in USD, EUR and JPY (minor units); tax rates for a
-- few countries; two discount codes.
INSERT OR IGNORE INTO products (id, title, active, created_at) VALUES
  ('prod_demo_tee', 'Edge Tee', 1, '2026-01-01T00:00:00.000Z'),
  ('prod_demo_mug', 'Cold Start Mug', 1, '2026-01-01T00:00:01.000Z'),
  ('prod_demo_hoodie', 'Durable Hoodie', 1, '2026-01-01T00:00:02.000Z'),
  ('prod_demo_ebook', 'Sagas at the Edge (e-book)', 1, '2026-01-01T00:00:03.000Z');

INSERT OR IGNORE INTO variants (id, product_id, sku, title, tax_class, active, created_at) VALUES
  ('var_demo_tee_s', 'prod_demo_tee', 'TEE-BLK-S', 'Black / S', 'standard', 1, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_m', 'prod_demo_tee', 'TEE-BLK-M', 'Black / M', 'standard', 1, '2026-01-01T00:00:00.001Z'),
  ('var_demo_tee_l', 'prod_demo_tee', 'TEE-BLK-L', 'Black / L', 'standard', 1, '2026-01-01T00:00:00.002Z'),
  ('var_demo_mug', 'prod_demo_mug', 'MUG-350', '350 ml', 'standard', 1, '2026-01-01T00:00:01.000Z'),
  ('var_demo_hoodie_m', 'prod_demo_hoodie', 'HOOD-GRY-M', 'Grey / M', 'standard', 1, '2026-01-01T00:00:02.000Z'),
  ('var_demo_hoodie_l', 'prod_demo_hoodie', 'HOOD-GRY-L', 'Grey / L', 'standard', 1, '2026-01-01T00:00:02.001Z'),
  ('var_demo_ebook', 'prod_demo_ebook', 'EBOOK-SAGAS', 'PDF + EPUB', 'reduced', 1, '2026-01-01T00:00:03.000Z');

INSERT OR IGNORE INTO variant_prices (variant_id, currency, amount, updated_at) VALUES
  ('var_demo_tee_s', 'USD', 2500, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_s', 'EUR', 2300, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_s', 'JPY', 3800, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_m', 'USD', 2500, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_m', 'EUR', 2300, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_m', 'JPY', 3800, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_l', 'USD', 2500, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_l', 'EUR', 2300, '2026-01-01T00:00:00.000Z'),
  ('var_demo_mug', 'USD', 1499, '2026-01-01T00:00:00.000Z'),
  ('var_demo_mug', 'EUR', 1399, '2026-01-01T00:00:00.000Z'),
  ('var_demo_mug', 'JPY', 2200, '2026-01-01T00:00:00.000Z'),
  ('var_demo_hoodie_m', 'USD', 5900, '2026-01-01T00:00:00.000Z'),
  ('var_demo_hoodie_m', 'EUR', 5500, '2026-01-01T00:00:00.000Z'),
  ('var_demo_hoodie_l', 'USD', 5900, '2026-01-01T00:00:00.000Z'),
  ('var_demo_ebook', 'USD', 999, '2026-01-01T00:00:00.000Z');

INSERT OR IGNORE INTO inventory (variant_id, on_hand, reserved, updated_at) VALUES
  ('var_demo_tee_s', 25, 0, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_m', 40, 0, '2026-01-01T00:00:00.000Z'),
  ('var_demo_tee_l', 3, 0, '2026-01-01T00:00:00.000Z'),
  ('var_demo_mug', 100, 0, '2026-01-01T00:00:00.000Z'),
  ('var_demo_hoodie_m', 12, 0, '2026-01-01T00:00:00.000Z'),
  ('var_demo_hoodie_l', 1, 0, '2026-01-01T00:00:00.000Z'),
  ('var_demo_ebook', 100000, 0, '2026-01-01T00:00:00.000Z');

-- Initial stock is an adjustment, so conservation (DESIGN.md, invariant 2) adds up.
INSERT OR IGNORE INTO inventory_adjustments (id, variant_id, delta, reason, at) VALUES
  (1, 'var_demo_tee_s', 25, 'initial', '2026-01-01T00:00:00.000Z'),
  (2, 'var_demo_tee_m', 40, 'initial', '2026-01-01T00:00:00.000Z'),
  (3, 'var_demo_tee_l', 3, 'initial', '2026-01-01T00:00:00.000Z'),
  (4, 'var_demo_mug', 100, 'initial', '2026-01-01T00:00:00.000Z'),
  (5, 'var_demo_hoodie_m', 12, 'initial', '2026-01-01T00:00:00.000Z'),
  (6, 'var_demo_hoodie_l', 1, 'initial', '2026-01-01T00:00:00.000Z'),
  (7, 'var_demo_ebook', 100000, 'initial', '2026-01-01T00:00:00.000Z');

INSERT OR IGNORE INTO tax_rates (country, tax_class, name, rate_bps, inclusive, updated_at) VALUES
  ('US', 'standard', 'Sales tax', 825, 0, '2026-01-01T00:00:00.000Z'),
  ('US', 'reduced', 'Sales tax', 0, 0, '2026-01-01T00:00:00.000Z'),
  ('DE', 'standard', 'MwSt', 1900, 1, '2026-01-01T00:00:00.000Z'),
  ('DE', 'reduced', 'MwSt', 700, 1, '2026-01-01T00:00:00.000Z'),
  ('FR', 'standard', 'TVA', 2000, 1, '2026-01-01T00:00:00.000Z'),
  ('GB', 'standard', 'VAT', 2000, 1, '2026-01-01T00:00:00.000Z'),
  ('JP', 'standard', 'Consumption tax', 1000, 1, '2026-01-01T00:00:00.000Z');

INSERT OR IGNORE INTO discounts (code, type, percent_bps, amount, currency, starts_at, ends_at, usage_limit, min_subtotal, used_count, reserved_count, active, created_at) VALUES
  ('WELCOME10', 'percentage', 1000, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 1, '2026-01-01T00:00:00.000Z'),
  ('FIVEOFF', 'fixed', NULL, 500, 'USD', NULL, NULL, 100, 3000, 0, 0, 1, '2026-01-01T00:00:00.000Z');
