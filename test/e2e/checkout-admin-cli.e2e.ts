/**
 * The operators' CLI against the real server, run as an installed package runs it: the
 * built JavaScript (build/cli/checkout-admin.mjs) on plain Node. Readable tables, --json,
 * --csv, clear errors and exit codes.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { buildCli } from "../../scripts/build-package.ts";
import { freePort, ROOT } from "../../scripts/local-server.ts";
import { adminGet, paidOrder } from "./paid-order.ts";
import type { E2eContext } from "./run.ts";

let BIN = "";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function lockedCheckout(baseUrl: string): Promise<string> {
  const post = async (p: string, body: unknown, token?: string) => {
    const res = await fetch(`${baseUrl}${p}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `${p}: ${res.status}`);
    return res.json() as Promise<any>;
  };
  const { cart, token } = await post("/v1/carts", { currency: "EUR", country: "DE" });
  await post(`/v1/carts/${cart.id}/lines`, { variant_id: "var_demo_tee_s", quantity: 1 }, token);
  return (await post(`/v1/carts/${cart.id}/checkout`, {}, token)).checkout.id;
}

export default async function checkoutAdminCli({ baseUrl, adminToken }: E2eContext): Promise<void> {
  BIN = await buildCli();
  // A German operator: money comes out in de-DE from the catalog's exponent (EUR, USD and CHF, 2 digits).
  const env = { CHECKOUT_ADMIN_URL: baseUrl, CHECKOUT_ADMIN_TOKEN: adminToken, LC_ALL: "", LC_MONETARY: "", LANG: "de_DE.UTF-8" };
  const checkoutId = await lockedCheckout(baseUrl);

  const locks = await cli(["locks", "--state", "locked"], env);
  assert.equal(locks.code, 0, locks.stderr);
  const [header, rule] = locks.stdout.split("\n");
  assert.match(header!, /^ID\s+STATE\s+PHASE\s+TOTAL\s+CREATED \(UTC\)/);
  assert.match(rule!, /^─+\s+─+/);
  assert.match(locks.stdout, new RegExp(`${checkoutId}\\s+locked\\s+price_lock\\s+[\\d.]+,\\d{2}\\s€`));

  const json = await cli(["locks", "--cart-id", "cart_nothing", "--json"], env);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { data: [], next_cursor: null });

  const monitor = await cli(["monitor", "--hours", "1"], env);
  assert.equal(monitor.code, 0, monitor.stderr);
  for (const text of ["Checkout statistics", "Success rate", "Active now", "FAILED IN PHASE", "payment_capture"])
    assert.ok(monitor.stdout.includes(text), `monitor shows ${text}`);

  const diagnostics = await cli(["diagnostics"], env);
  assert.equal(diagnostics.code, 0, diagnostics.stdout + diagnostics.stderr);
  // The server is shared with the other browser tests: events they made wait undelivered
  // (no WEBHOOK_URL), which the outbox check reports as a warning. Every other check is ok.
  assert.match(diagnostics.stdout, /^Diagnostics: (ok|warn)/);
  const checks = diagnostics.stdout.split("\n").filter((line) => /^[a-z_]+\s+(ok|warn|fail)\s/.test(line));
  assert.ok(checks.length >= 9, `diagnostics lists its checks:\n${diagnostics.stdout}`);
  for (const line of checks.filter((l) => !l.startsWith("outbox_backlog"))) assert.match(line, /^[a-z_]+\s+ok\s/);

  const one = await cli(["diagnostics", "--lock-id", checkoutId], env);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /Locked since/);

  // One lock in full, by `lock` and by `show`.
  const shown = await cli(["show", checkoutId], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^Checkout ${checkoutId}\nCart\\s+cart_`));
  assert.match(shown.stdout, /State\s+locked \(phase price_lock\)/);
  assert.match(shown.stdout, /RESERVED\s+QTY\s+STATUS/);
  assert.match(shown.stdout, /AT \(UTC\)\s+STATE\s+PHASE\s+EVENT/);
  const shownJson = JSON.parse((await cli(["lock", checkoutId, "--json"], env)).stdout);
  assert.equal(shownJson.checkout.id, checkoutId);

  // Without a terminal a release needs --yes: refused, and the checkout stays locked.
  const unconfirmed = await cli(["release", checkoutId], env);
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /pass --yes/);
  assert.match((await cli(["locks", "--cart-id", shownJson.checkout.cart_id], env)).stdout, new RegExp(`${checkoutId}\\s+locked`));

  const released = await cli(["release", checkoutId, "--yes"], env);
  assert.equal(released.code, 0, released.stderr);
  assert.match(released.stdout, new RegExp(`Released ${checkoutId}: cancelled \\(admin_release\\)`));
  const again = await cli(["release", checkoutId, "-y"], env);
  assert.equal(again.code, 1, "a second release is refused");
  assert.match(again.stderr, /Not released: This checkout already ended \(cancelled\)/);

  const cleanup = await cli(["cleanup"], env);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  assert.match(cleanup.stdout, /released_reservations\s+\d+/);

  // Webhook events. This server has no WEBHOOK_URL: cleanup relayed the checkout's events
  // and the queue consumer keeps them undeliverable; redelivery sends them again anyway.
  const startedEvent = `evt_checkout_started_${checkoutId}`;
  const eventStatus = async (id: string) =>
    ((await (await fetch(`${baseUrl}/admin/api/events/${id}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as any).event?.status as
      | string
      | undefined;
  const settled = async (id: string) => {
    for (let i = 0; i < 80 && (await eventStatus(id)) !== "undeliverable"; i++) await new Promise((r) => setTimeout(r, 250));
    assert.equal(await eventStatus(id), "undeliverable", `${id} reaches the consumer`);
  };
  await settled(startedEvent);
  const eventList = await cli(["events", "--type", "checkout.started", "--limit", "200"], env);
  assert.equal(eventList.code, 0, eventList.stderr);
  assert.match(eventList.stdout.split("\n")[0]!, /^ID\s+TYPE\s+STATUS\s+ATTEMPTS\s+CREATED \(UTC\)\s+LAST ERROR/);
  assert.match(eventList.stdout, new RegExp(`${startedEvent}\\s+checkout\\.started\\s+undeliverable\\s+0\\s`));
  const eventJson = await cli(["events", "--status", "undeliverable", "--limit", "200", "--json"], env);
  assert.equal(eventJson.code, 0, eventJson.stderr);
  assert.ok(JSON.parse(eventJson.stdout).data.some((e: { id: string }) => e.id === startedEvent));

  const eventShown = await cli(["show", startedEvent], env);
  assert.equal(eventShown.code, 0, eventShown.stderr);
  assert.match(eventShown.stdout, new RegExp(`^Event ${startedEvent}\nType\\s+checkout\\.started\nStatus\\s+undeliverable`));
  assert.match(eventShown.stdout, /Payload:\n\{/);
  // Every page as CSV: a header, then the API's own fields.
  const eventCsv = await cli(["events", "--type", "checkout.started", "--limit", "1", "--all", "--csv"], env);
  assert.equal(eventCsv.code, 0, eventCsv.stderr);
  const csvRows = eventCsv.stdout.trimEnd().split("\r\n");
  assert.equal(csvRows[0], "id,type,status,attempts,last_error,created_at,enqueued_at,delivered_at");
  const startedCount = JSON.parse((await cli(["events", "--type", "checkout.started", "--limit", "200", "--json"], env)).stdout).data.length;
  assert.equal(csvRows.length, 1 + startedCount, "--all --limit 1 followed the cursor through every page");
  assert.ok(
    csvRows.some((row) => row.startsWith(`${startedEvent},checkout.started,undeliverable,0,`)),
    eventCsv.stdout,
  );

  const redelivered = await cli(["redeliver", startedEvent], env);
  assert.equal(redelivered.code, 0, redelivered.stderr);
  assert.match(redelivered.stdout, new RegExp(`Redelivered ${startedEvent}: enqueued`));
  await settled(startedEvent);
  const bulk = await cli(["redeliver", "--undeliverable", "--json"], env);
  assert.equal(bulk.code, 0, bulk.stderr);
  const bulkResult = JSON.parse(bulk.stdout) as { redelivered: number; more: boolean };
  assert.ok(bulkResult.redelivered >= 1 && bulkResult.more === false, bulk.stdout);
  // A fresh checkout's event waits for the next cleanup (pending): already on its way.
  const pendingEvent = `evt_checkout_started_${await lockedCheckout(baseUrl)}`;
  const inFlight = await cli(["redeliver", pendingEvent], env);
  assert.equal(inFlight.code, 1, "an event on its way is not redelivered");
  assert.match(inFlight.stderr, /Not redelivered: This event is already on its way \(pending\)/);
  const unknownEvent = await cli(["redeliver", "evt_checkout_started_chk_nothing"], env);
  assert.equal(unknownEvent.code, 1);
  assert.match(unknownEvent.stderr, /No event evt_checkout_started_chk_nothing/);
  const both = await cli(["redeliver", startedEvent, "--dead"], env);
  assert.equal(both.code, 2);

  await catalog(env);
  await orders(env, baseUrl, adminToken);

  // Wrong token, wrong URL, a page that is not the API, a usage error: clear words and distinct exit codes.
  const wrongToken = await cli(["locks", "--token", "nope"], env);
  assert.equal(wrongToken.code, 3);
  assert.match(wrongToken.stderr, /admin token was refused \(401/);
  const port = await freePort(); // free now, so nothing listens there
  const closedPort = await cli(["monitor", "--url", `http://127.0.0.1:${port}`], env);
  assert.equal(closedPort.code, 3);
  assert.match(closedPort.stderr, new RegExp(`Cannot reach http://127\\.0\\.0\\.1:${port}: connection refused`));
  const notApi = await cli(["locks", "--url", `${baseUrl}/v1`], env);
  assert.equal(notApi.code, 3);
  assert.match(notApi.stderr, /not an admin API route/);
  const usage = await cli(["locks", "--state"], env);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--state needs a value/);
  const noToken = await cli(["locks"], { CHECKOUT_ADMIN_URL: baseUrl, CHECKOUT_ADMIN_TOKEN: "" });
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /No admin token/);

  // Help and version need no server.
  const version = await cli(["--version"], {});
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await cli(["stock", "set", "--help"], {});
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: checkout-admin stock set VARIANT_ID ON_HAND\n/);
}

/** The merchant's catalog tasks, each checked through the storefront's own product list. */
async function catalog(env: Record<string, string>): Promise<void> {
  const run = async (args: string[]) => {
    const result = await cli(args, env);
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };
  const unique = Date.now().toString(36).toUpperCase();
  assert.match(await run(["currencies", "set", "chf", "--rate", "0.88", "--exponent", "2"]), /^Currency set CHF: rate from base 0\.88, exponent 2$/m);
  const created = JSON.parse(
    await run([
      "products",
      "create",
      "--title",
      `CLI mug ${unique}`,
      "--sku",
      `CLI-MUG-${unique}`,
      "--price",
      "USD=1200",
      "--price",
      "CHF=1100",
      "--stock",
      "4",
      "--json",
    ]),
  );
  const variantId: string = created.product.variants[0].id;
  assert.match(await run(["stock", "set", variantId, "9"]), /On hand\s+9\nReserved\s+0\nAvailable\s+9/);
  assert.match(await run(["stock", "get", variantId]), /Available\s+9/);
  assert.match(await run(["prices", "set", variantId, "CHF=1050"]), /Prices set for .*10,50\sCHF/);
  assert.match(await run(["products", "list", "--currency", "CHF"]), new RegExp(`${variantId}\\s+CLI-MUG-${unique}\\s+.*10,50\\sCHF\\s+9`));
  assert.match(
    await run(["discounts", "create", `CLI${unique}`, "--percent", "15", "--usage-limit", "3"]),
    new RegExp(`^Created discount CLI${unique}: 15 % off$`, "m"),
  );
  const duplicate = await cli(["discounts", "create", `CLI${unique}`, "--percent", "15"], env);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /^Not created: A discount with this code exists already/);
  const belowZero = await cli(["stock", "set", variantId, "-1"], env);
  assert.equal(belowZero.code, 2);
}

/** Orders: find one, show it, refund lines and an amount, refuse what cannot be refunded, cancel; with exit codes. */
async function orders(env: Record<string, string>, baseUrl: string, adminToken: string): Promise<void> {
  const order = await paidOrder(baseUrl, adminToken);
  const api = () => adminGet(baseUrl, adminToken, `/admin/api/orders/${order.id}`);
  const line = order.lines[0]!;

  const listed = await cli(["orders", "--number", String(order.number)], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout.split("\n")[0]!, /^\s*NUMBER\s+ID\s+STATUS\s+TOTAL\s+REFUNDED\s+EMAIL\s+CREATED \(UTC\)/);
  assert.match(listed.stdout, new RegExp(`${order.number}\\s+${order.id}\\s+paid\\s+[\\d.]+,\\d{2}\\s\\$\\s+${order.email}`));
  const byEmail = JSON.parse((await cli(["orders", "--email", order.email.toUpperCase(), "--json"], env)).stdout);
  assert.deepEqual(
    byEmail.data.map((o: { id: string }) => o.id),
    [order.id],
  );

  const shown = await cli(["order", order.id], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^Order #${order.number} ${order.id}\nStatus\\s+paid`));
  assert.match(shown.stdout, new RegExp(`${line.line_id}\\s+${line.sku}\\s+2\\s`));

  // Without a terminal a refund needs --yes: refused, nothing refunded.
  const unconfirmed = await cli(["refund", order.id, "--line", `${line.line_id}:1`, "--restock"], env);
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /pass --yes/);
  assert.equal((await api()).refunds.length, 0);

  const byLine = await cli(["refund", order.id, "--line", `${line.line_id}:1`, "--restock", "--reason", "damaged", "--yes"], env);
  assert.equal(byLine.code, 0, byLine.stderr);
  assert.match(
    byLine.stdout,
    new RegExp(`^Refunded [\\d.]+,\\d{2}\\s\\$ of order #${order.number} \\(ref_[0-9a-z]{26}, restocked\\): order partially_refunded`),
  );
  const byAmount = JSON.parse((await cli(["refund", order.id, "--amount", "150", "--yes", "--json"], env)).stdout);
  assert.equal(byAmount.refund.status, "succeeded");
  assert.equal(byAmount.refund.amount, 150);

  const tooMuch = await cli(["refund", order.id, "--amount", String(order.total), "--yes"], env);
  assert.equal(tooMuch.code, 1);
  assert.match(tooMuch.stderr, /^Not refunded: The refund would exceed what was captured\./);
  const fractional = await cli(["refund", order.id, "--amount", "1.5", "--yes"], env);
  assert.equal(fractional.code, 2);
  const bothKinds = await cli(["refund", order.id, "--amount", "100", "--line", `${line.line_id}:1`, "--yes"], env);
  assert.equal(bothKinds.code, 1, bothKinds.stderr);
  assert.match(bothKinds.stderr, /^Not refunded: Give lines or an amount, not both\./);
  const unknown = await cli(["refund", "ord_nothing", "--yes"], env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No order ord_nothing\./);
  assert.equal((await api()).refunds.length, 2, "refused refunds recorded nothing");

  // The gateway refuses every refund of an order paid with tok_refund_fails.
  const failing = await paidOrder(baseUrl, adminToken, "tok_refund_fails");
  const refused = await cli(["refund", failing.id, "--yes"], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^Not refunded: .*Nothing was refunded; retrying is safe\./);
  assert.equal((await adminGet(baseUrl, adminToken, `/admin/api/orders/${failing.id}`)).order.refunded_total, 0);

  const cancelled = await cli(["cancel", order.id, "--reason", "customer asked", "--yes"], env);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, new RegExp(`^Cancelled order #${order.number} \\(${order.id}\\): cancelled, [\\d.]+,\\d{2}\\s\\$ refunded in all\\.`));
  assert.equal((await cli(["cancel", order.id, "--yes"], env)).code, 0, "a repeated cancel is harmless");
  const after = await api();
  assert.equal(after.order.status, "cancelled");
  assert.equal(after.order.refunded_total, order.total);
  const late = await cli(["refund", order.id, "--yes"], env);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /^Not refunded: An order that is cancelled cannot be refunded\./);
  const full = await cli(["order", order.id], env);
  assert.match(full.stdout, /REFUND\s+STATUS\s+AMOUNT\s+LINES\s+RESTOCKED/);
  assert.equal(full.stdout.split("\n").filter((l) => /^ref_\S+\s+succeeded\s/.test(l)).length, 3, full.stdout);
}
