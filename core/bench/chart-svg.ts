import type { LevelSummary } from "./summary";

/** One line of the chart: a name and its levels (one bench run, or one tune candidate). */
export interface ChartSeries {
  readonly name: string;
  readonly levels: readonly LevelSummary[];
}

const W = 720;
const H = 300;
const PANEL = { top: 40, bottom: 250, width: 300 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const round = (n: number) => Math.round(n * 10) / 10;

/** Where a level sits on the x axis: its concurrency, or its request rate for a fixed-rate sweep. */
const levelX = (l: LevelSummary): number | null => l.concurrency ?? l.rate;
const xLabel = (series: readonly ChartSeries[]) => (series.some((s) => s.levels.some((l) => l.concurrency !== null)) ? "concurrency" : "requests/s");

/** A rounded-up axis maximum (1, 2 or 5 × 10^k) so tick labels stay readable. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

function panel(x0: number, title: string, unit: string, series: readonly ChartSeries[], value: (l: LevelSummary) => number | null): string[] {
  const points = series.map((s) => s.levels.filter((l) => levelX(l) !== null && value(l) !== null)
    .map((l) => ({ x: levelX(l) as number, y: value(l) as number })));
  const xs = [...new Set(points.flat().map((p) => p.x))].sort((a, b) => a - b);
  const yMax = niceMax(Math.max(0, ...points.flat().map((p) => p.y)));
  const px = (x: number) => x0 + (xs.length <= 1 ? PANEL.width / 2 : (xs.indexOf(x) / (xs.length - 1)) * PANEL.width);
  const py = (y: number) => PANEL.bottom - (y / yMax) * (PANEL.bottom - PANEL.top);
  const out = [
    `<text x="${x0 + PANEL.width / 2}" y="24" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${x0}" y1="${PANEL.bottom}" x2="${x0 + PANEL.width}" y2="${PANEL.bottom}" stroke="#333"/>`,
    `<line x1="${x0}" y1="${PANEL.top}" x2="${x0}" y2="${PANEL.bottom}" stroke="#333"/>`,
    `<text x="${x0 - 6}" y="${PANEL.top + 4}" text-anchor="end">${round(yMax)}</text>`,
    `<text x="${x0 - 6}" y="${PANEL.bottom + 4}" text-anchor="end">0</text>`,
    `<text x="${x0 - 6}" y="${PANEL.top - 8}" text-anchor="start" fill="#555">${escapeXml(unit)}</text>`,
    ...xs.map((x) => `<text x="${round(px(x))}" y="${PANEL.bottom + 16}" text-anchor="middle">${x}</text>`),
    `<text x="${x0 + PANEL.width / 2}" y="${PANEL.bottom + 32}" text-anchor="middle" fill="#555">${xLabel(series)}</text>`,
  ];
  points.forEach((pts, i) => {
    const color = COLORS[i % COLORS.length];
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${round(px(p.x))},${round(py(p.y))}`).join(" ")}"/>`);
    for (const p of pts) out.push(`<circle cx="${round(px(p.x))}" cy="${round(py(p.y))}" r="3" fill="${color}"><title>${escapeXml(`${series[i]!.name}: ${round(p.y)} ${unit} at ${xLabel(series)} ${p.x}`)}</title></circle>`);
  });
  return out;
}

/**
 * The bench chart as a standalone SVG: output tokens/s (aggregate) and TTFT p95 against
 * concurrency (or request rate), one line per series. Plain text, deterministic for the same figures.
 */
export function renderBenchSvg(series: readonly ChartSeries[]): string {
  const legend = series.map((s, i) => `<g><rect x="${60 + i * 170}" y="${H - 14}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${74 + i * 170}" y="${H - 5}">${escapeXml(s.name)}</text></g>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    ...panel(50, "Output throughput", "tokens/s", series, (l) => l.outputTokensPerSecond),
    ...panel(400, "TTFT p95", "ms", series, (l) => l.ttftMs?.p95 ?? null),
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}
