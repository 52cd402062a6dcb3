// Charts drawn by uPlot (served from its npm package by the service, /vendor/uplot/): counts by severity stacked
// over time, and durations by category. Colours come from the stylesheet's severity variables.
import uPlot from "/vendor/uplot/uPlot.esm.js";

export const SEVERITIES = ["critical", "high", "medium", "low"];

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#667085";
}

const bars = () => uPlot.paths.bars({ size: [0.8, 48], align: 0 });

/** Draws once the element is in the page (uPlot sizes itself from it). */
function whenMounted(el, draw) {
  requestAnimationFrame(() => {
    if (el.isConnected) draw(Math.max(el.clientWidth, 240));
  });
}

/**
 * Stacked bars: `times` (Unix seconds, one per bucket) and `counts[severity]` (one count per bucket). uPlot draws
 * bars from zero, so each severity is drawn at its running total, the tallest first; the legend shows own counts.
 */
export function severityBars(el, { times, counts, height = 180 }) {
  whenMounted(el, (width) => {
    const stacked = [];
    let running = times.map(() => 0);
    for (const s of SEVERITIES) {
      running = running.map((v, i) => v + (counts[s]?.[i] ?? 0));
      stacked.push(running);
    }
    const order = [...SEVERITIES.keys()].reverse(); // low (the full stack) first, critical on top of the drawing
    new uPlot(
      {
        width,
        height,
        legend: { live: true },
        cursor: { points: { show: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max))] } },
        axes: [{}, { size: 40, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
        series: [
          {},
          ...order.map((k) => ({
            label: SEVERITIES[k],
            fill: cssVar(`--${SEVERITIES[k]}`),
            stroke: cssVar(`--${SEVERITIES[k]}`),
            width: 0, // no outline: an empty bucket stays empty
            paths: bars(),
            points: { show: false },
            value: (_u, _v, _s, i) => (i === null ? "–" : String(counts[SEVERITIES[k]]?.[i] ?? 0)),
          })),
        ],
      },
      [times, ...order.map((k) => stacked[k])],
      el,
    );
  });
}

/** One bar per category (`labels`): `seconds` each, on an axis in the unit that suits the largest. */
export function durationBars(el, { labels, seconds, format, label, height = 180 }) {
  const max = Math.max(...seconds, 1);
  const [unit, name] = max < 90 ? [1, "s"] : max < 5400 ? [60, "min"] : max < 129600 ? [3600, "h"] : [86400, "d"];
  whenMounted(el, (width) => {
    const xs = labels.map((_, i) => i);
    new uPlot(
      {
        width,
        height,
        legend: { live: true },
        cursor: { points: { show: false } },
        scales: {
          x: { time: false, range: [-0.5, labels.length - 0.5] },
          y: { range: (_u, _min, top) => [0, top || 1] },
        },
        axes: [
          { splits: () => xs, values: (_u, splits) => splits.map((i) => labels[i] ?? ""), grid: { show: false } },
          { size: 56, label: name, values: (_u, splits) => splits.map((v) => String(+v.toFixed(2))) },
        ],
        series: [
          { label: "space", value: (_u, i) => labels[i] ?? "–" },
          {
            label,
            fill: cssVar("--accent"),
            stroke: cssVar("--accent"),
            width: 0,
            paths: bars(),
            points: { show: false },
            value: (_u, v) => (v === null ? "–" : format(v * unit)),
          },
        ],
      },
      [xs, seconds.map((v) => v / unit)],
      el,
    );
  });
}
