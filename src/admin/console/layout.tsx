/** The console's page frame: head with the inline stylesheet, navigation, sign-out. */
import type { Child, FC } from "hono/jsx";
import { CONSOLE_CSS } from "./console-style";

export type ConsoleSection = "dashboard" | "orders" | "locks" | "stock" | "events" | "diagnostics" | null;

export interface LayoutProps {
  title: string;
  section: ConsoleSection;
  /** The CSRF token of the signed-in admin, or null on the sign-in and error pages. */
  csrf: string | null;
  who?: string | null;
  children?: Child;
}

const NAV: Array<[Exclude<ConsoleSection, null>, string, string]> = [
  ["dashboard", "/admin", "Dashboard"],
  ["orders", "/admin/orders", "Orders"],
  ["locks", "/admin/locks", "Checkout locks"],
  ["stock", "/admin/stock", "Stock"],
  ["events", "/admin/events", "Events"],
  ["diagnostics", "/admin/diagnostics", "Diagnostics"],
];

export const Layout: FC<LayoutProps> = ({ title, section, csrf, who, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>{title} · Edge Checkout admin</title>
      <style dangerouslySetInnerHTML={{ __html: CONSOLE_CSS }} />
    </head>
    <body>
      <header>
        <nav class="bar" aria-label="Console">
          <span class="brand">Edge Checkout admin</span>
          {csrf !== null &&
            NAV.map(([key, href, label]) => (
              <a href={href} aria-current={section === key ? "page" : undefined}>
                {label}
              </a>
            ))}
          {csrf !== null && (
            <form method="post" action="/admin/sign-out">
              <input type="hidden" name="csrf" value={csrf} />
              <button type="submit" title={who ? `Signed in: ${who}` : undefined}>
                Sign out
              </button>
            </form>
          )}
        </nav>
      </header>
      <main>{children}</main>
    </body>
  </html>
);

export const Notice: FC<{ kind: "ok" | "warn" | "fail"; children?: Child }> = ({ kind, children }) => (
  <p class={`notice ${kind}`} role={kind === "ok" ? "status" : "alert"}>
    {children}
  </p>
);

export const Badge: FC<{ kind: string; children?: Child }> = ({ kind, children }) => <span class={`badge ${kind}`}>{children}</span>;
