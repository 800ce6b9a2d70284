// A report's plot drawn with uPlot, from the same spec the server draws its SVG from
// (report.plot{x, y, low, high, series, xlog, title}): y against x for each row that has both as
// finite numbers (x positive on a log axis), in the order of x; the band from `low` to `high` when
// they are named; one line per value of `series` when it is named.
import uPlot from './uPlot.esm.js';
import { h } from './dom.js';

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];
const HEIGHT = 300;
const MAX_TICKS = 12;

const finite = (v) => typeof v === 'number' && Number.isFinite(v);

// The rows of each line: [[name, rows sorted by x], ...] in the order each name first appears.
function lines(plot, rows) {
  const groups = new Map();
  for (const row of rows) {
    if (!finite(row[plot.x]) || !finite(row[plot.y]) || (plot.xlog && row[plot.x] <= 0)) continue;
    const name = plot.series ? String(row[plot.series] ?? '') : plot.y;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(row);
  }
  for (const points of groups.values()) points.sort((a, b) => a[plot.x] - b[plot.x]);
  return [...groups.entries()];
}

const column = (points, name) => points.map((r) => (finite(r[name]) ? r[name] : null));

// uPlot's options and aligned data for `plot` over `rows`; null when no row has a point.
export function chartOf(plot, rows, width) {
  const groups = lines(plot, rows);
  if (groups.length === 0) return null;
  const tables = [];
  const series = [{ label: plot.x }];
  const bands = [];
  groups.forEach(([name, points], i) => {
    const colour = COLOURS[i % COLOURS.length];
    const table = [points.map((r) => r[plot.x]), column(points, plot.y)];
    series.push({
      label: name,
      stroke: colour,
      width: 2,
      points: { show: true, size: 6, fill: colour },
    });
    const line = series.length - 1;
    for (const [edge, key] of [
      ['high', plot.high],
      ['low', plot.low],
    ]) {
      if (!key) continue;
      table.push(column(points, key));
      series.push({
        label: `${name} ${edge}`,
        stroke: colour,
        width: 1,
        dash: [4, 4],
        points: { show: false },
      });
    }
    if (plot.high && plot.low) bands.push({ series: [line + 1, line + 2], fill: `${colour}22` });
    tables.push(table);
  });
  const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
  // On a log axis, ticks at the x values when they are few (powers of 10 are too sparse for the
  // doublings pipelines try); the y axis shows 0, as the server's SVG does.
  const xs = data[0];
  const xAxis = { label: plot.xlog ? `${plot.x} (log scale)` : plot.x };
  if (plot.xlog && xs.length <= MAX_TICKS) {
    xAxis.splits = () => xs;
    xAxis.filter = (_u, splits) => splits;
    xAxis.values = (_u, splits) => splits.map((v) => String(v));
  }
  const options = {
    width,
    height: HEIGHT,
    title: plot.title || `${plot.y} against ${plot.x}`,
    scales: {
      x: plot.xlog ? { time: false, distr: 3, log: 10 } : { time: false },
      y: { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true) },
    },
    series,
    bands,
    axes: [xAxis, { label: plot.y }],
    legend: { show: true, live: false },
  };
  return { options, data };
}

// Draws `plot` over `rows` into a new element; a note in its place when no row has a point.
// The chart follows the width of its container.
export function reportChart(plot, rows, signal) {
  const box = h('figure', { class: 'chart', 'data-plot': plot.file || '' });
  const chart = chartOf(plot, rows, 600);
  if (!chart) {
    box.append(h('figcaption', {}, `${plot.title || plot.file}: no rows with numbers to plot`));
    return box;
  }
  const u = new uPlot(chart.options, chart.data, box);
  const fit = () => {
    const width = Math.max(320, Math.floor(box.clientWidth || 600));
    if (width !== u.width) u.setSize({ width, height: HEIGHT });
  };
  const observer = new ResizeObserver(fit);
  observer.observe(box);
  signal?.addEventListener(
    'abort',
    () => {
      observer.disconnect();
      u.destroy();
    },
    { once: true },
  );
  return box;
}
