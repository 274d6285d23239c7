/** Money for people: integer minor units in, "$25.00" / "¥3,800" / "23,00 €"-style text out. */

const formats = new Map<string, Intl.NumberFormat>();

function format(currency: string): Intl.NumberFormat {
  let f = formats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { style: "currency", currency });
    formats.set(currency, f);
  }
  return f;
}

/** The currency's minor-unit exponent as Intl knows it (USD 2, JPY 0), which matches the catalog's. */
export function minorUnitDigits(currency: string): number {
  return format(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor: number, currency: string): string {
  return format(currency).format(minor / 10 ** minorUnitDigits(currency));
}
