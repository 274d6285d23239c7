/** `CheckoutStatistics`: the admin's figures of the checkouts over a window (`GET /admin/api/checkout-locks/statistics`). */
import { z } from "@hono/zod-openapi";
import { PHASES, STATES } from "../checkout/state-machine";
import { Timestamp } from "./fields";

const Count = z.number().int();
const Seconds = z.number().nullable();

export const SeriesPointSchema = z.object({ at: Timestamp, total: Count, completed: Count, failed: Count, cancelled: Count, expired: Count, active: Count });
export type SeriesPoint = z.output<typeof SeriesPointSchema>;

export const CheckoutStatisticsSchema = z
  .object({
    window_hours: Count,
    since: Timestamp,
    generated_at: Timestamp,
    total: Count,
    by_state: z.record(z.enum(STATES), Count),
    success_rate: z.number().nullable().openapi({ description: "completed ÷ checkouts that ended; null when none ended" }),
    failures_by_phase: z.record(z.enum(PHASES), Count).openapi({ description: "Checkouts that ended `failed`, by the phase that failed" }),
    failures_by_code: z.record(z.string(), Count),
    avg_duration_seconds: Seconds.openapi({ description: "Of completed checkouts, from start to completion" }),
    p50_duration_seconds: Seconds,
    p95_duration_seconds: Seconds,
    active: Count.openapi({ description: "Not terminal now, whatever their age" }),
    expired_pending_cleanup: Count.openapi({ description: "Active but past their deadline: the alarm or the next cleanup expires them" }),
    series: z.object({ bucket: z.enum(["hour", "day"]), points: z.array(SeriesPointSchema) }),
    refunds: z
      .object({
        by_currency: z.record(z.string(), z.object({ refunded_total: Count, refunds: Count, orders: Count })),
        pending: Count,
      })
      .openapi({ description: "Refunds the gateway confirmed in the window, per currency (minor units), and how many are pending now" }),
  })
  .openapi("CheckoutStatistics");
export type CheckoutStatistics = z.output<typeof CheckoutStatisticsSchema>;
