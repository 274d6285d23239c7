/** Money as the shopper reads it: the API's amount, currency and exponent, in the browser's language. */
import { formatAmountOf, type MoneyCurrency } from "../../client/money-format";

/** The shopper's locale (the browser's preferred language, as the server's page read it from Accept-Language). */
export const shopperLocale: string | undefined = typeof navigator === "undefined" ? undefined : navigator.language;

export function money(amount: number, of: MoneyCurrency): string {
  return formatAmountOf(amount, of, shopperLocale);
}
