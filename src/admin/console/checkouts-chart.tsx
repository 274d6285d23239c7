/**
 * Checkouts over time as an inline SVG bar chart: one stacked bar per hour (or day),
 * by outcome. Plain shapes with classes (colours come from the stylesheet), a <title>
 * per bar for a tooltip, and an aria-label summing it up. No script.
 */
import type { FC } from "hono/jsx";
import type { SeriesPoint } from "../checkout-statistics";

const WIDTH = 720;
const HEIGHT = 180;
const PAD_LEFT = 30;
const PAD_BOTTOM = 20;
const PAD_TOP = 8;
const PAD_RIGHT = 16;
const OUTCOMES = ["completed", "failed", "expired", "cancelled", "active"] as const;

export const CheckoutsChart: FC<{ points: SeriesPoint[]; bucket: "hour" | "day" }> = ({ points, bucket }) => {
  const max = Math.max(1, ...points.map((p) => p.total));
  const plotWidth = WIDTH - PAD_LEFT - PAD_RIGHT;
  const plotHeight = HEIGHT - PAD_BOTTOM - PAD_TOP;
  const slot = plotWidth / Math.max(1, points.length);
  const barWidth = Math.max(1, slot * 0.75);
  const label = (p: SeriesPoint) => (bucket === "hour" ? `${p.at.slice(11, 13)}:00` : p.at.slice(5, 10));
  const total = points.reduce((s, p) => s + p.total, 0);
  const every = Math.max(1, Math.ceil(points.length / 8));
  return (
    <figure class="card">
      <svg
        class="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${total} checkouts, ${points.length} ${bucket}s, at most ${max} in one ${bucket}`}
      >
        <line x1={PAD_LEFT} y1={HEIGHT - PAD_BOTTOM} x2={WIDTH - PAD_RIGHT} y2={HEIGHT - PAD_BOTTOM} />
        <line x1={PAD_LEFT} y1={PAD_TOP} x2={WIDTH - PAD_RIGHT} y2={PAD_TOP} />
        <text x={PAD_LEFT - 4} y={PAD_TOP + 4} text-anchor="end">
          {max}
        </text>
        <text x={PAD_LEFT - 4} y={HEIGHT - PAD_BOTTOM} text-anchor="end">
          0
        </text>
        {points.map((p, i) => {
          const x = PAD_LEFT + i * slot + (slot - barWidth) / 2;
          let y = HEIGHT - PAD_BOTTOM;
          return (
            <g>
              <title>{`${label(p)} UTC: ${p.total} checkouts (${OUTCOMES.map((o) => `${p[o]} ${o}`).join(", ")})`}</title>
              {OUTCOMES.map((o) => {
                const h = (p[o] / max) * plotHeight;
                if (h <= 0) return null;
                y -= h;
                return <rect class={o} x={x.toFixed(1)} y={y.toFixed(1)} width={barWidth.toFixed(1)} height={h.toFixed(1)} />;
              })}
              {i % every === 0 && (
                <text x={(x + barWidth / 2).toFixed(1)} y={HEIGHT - 5} text-anchor="middle">
                  {label(p)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {OUTCOMES.map((o) => (
          <span class={o}>{o}</span>
        ))}
      </figcaption>
    </figure>
  );
};
