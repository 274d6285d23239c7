-- Common currencies so a new store can price in them at once. The rates are
-- placeholders from the base currency USD: set real ones with
-- PUT /admin/api/currencies/{code} (the rate used is frozen into each quote).
INSERT OR IGNORE INTO `currencies` (`code`, `exponent`, `rate_from_base`, `updated_at`) VALUES
  ('USD', 2, '1', '2026-01-01T00:00:00.000Z'),
  ('EUR', 2, '0.92', '2026-01-01T00:00:00.000Z'),
  ('GBP', 2, '0.79', '2026-01-01T00:00:00.000Z'),
  ('JPY', 0, '151.37', '2026-01-01T00:00:00.000Z'),
  ('CAD', 2, '1.37', '2026-01-01T00:00:00.000Z'),
  ('AUD', 2, '1.52', '2026-01-01T00:00:00.000Z');
