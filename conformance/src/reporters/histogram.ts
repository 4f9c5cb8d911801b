/** The doorbell latency histogram as inline SVG: log-scaled bars with a labelled x axis and y axis. */

export interface Bucket {
  fromNs: number;
  toNs: number;
  count: number;
}

const FONT = 10;
/** Room a label needs per character at FONT px (a wide estimate: digits and units of a sans-serif font are narrower). */
const CHAR_PX = 6.5;
const MARGIN = { left: 64, right: 16, top: 28, bottom: 52 };
const PLOT_H = 170;
const MIN_BAR_PX = 14;

/** 1536 -> "1.5 µs": two significant digits, so labels stay short at every scale. */
export function formatDuration(ns: number): string {
  const [value, unit] = ns >= 1e9 ? [ns / 1e9, 's'] : ns >= 1e6 ? [ns / 1e6, 'ms'] : ns >= 1e3 ? [ns / 1e3, 'µs'] : [ns, 'ns'];
  return `${value >= 100 ? Math.round(value) : Number(value.toPrecision(2))} ${unit}`;
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n);
}

export function histogramSvg(buckets: readonly Bucket[]): string {
  const n = Math.max(buckets.length, 1);
  const labels = buckets.map((b) => formatDuration(b.fromNs));
  const widest = Math.max(...labels.map((l) => l.length), 1) * CHAR_PX + 6;
  const bw = Math.max(MIN_BAR_PX, Math.min(48, Math.floor(560 / n)));
  // Label every bucket when labels fit; otherwise every 2nd, 4th, ... so neighbours never touch.
  let every = 1;
  while (every * bw < widest) every *= 2;
  const W = MARGIN.left + n * bw + MARGIN.right;
  const H = MARGIN.top + PLOT_H + MARGIN.bottom;
  const base = MARGIN.top + PLOT_H;
  const max = Math.max(...buckets.map((b) => b.count), 1);
  const scale = (count: number) => (PLOT_H * Math.log10(1 + count)) / Math.log10(1 + max);
  const parts: string[] = [];
  buckets.forEach((b, i) => {
    const h = b.count ? Math.max(1, Math.round(scale(b.count))) : 0;
    const x = MARGIN.left + i * bw;
    parts.push(`<rect x="${x + 1}" y="${base - h}" width="${bw - 2}" height="${h}" fill="#1565c0"><title>${formatDuration(b.fromNs)} to ${formatDuration(b.toNs)}: ${b.count} samples</title></rect>`);
    parts.push(`<line x1="${x}" y1="${base}" x2="${x}" y2="${base + 4}" stroke="#333"/>`);
    if (i % every === 0) parts.push(`<text class="x-label" x="${x}" y="${base + 6 + FONT}" font-size="${FONT}" text-anchor="middle">${labels[i]}</text>`);
  });
  // y axis: ticks at powers of ten up to the largest count, on the same log scale as the bars.
  for (let c = 1; c <= max; c *= 10) {
    const y = (base - scale(c)).toFixed(1);
    parts.push(`<line x1="${MARGIN.left - 4}" y1="${y}" x2="${MARGIN.left}" y2="${y}" stroke="#333"/><text class="y-label" x="${MARGIN.left - 7}" y="${y}" font-size="${FONT}" text-anchor="end" dominant-baseline="middle">${formatCount(c)}</text>`);
  }
  const axes = [
    `<line x1="${MARGIN.left}" y1="${base}" x2="${W - MARGIN.right}" y2="${base}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${base}" stroke="#333"/>`,
    `<text x="${MARGIN.left + (n * bw) / 2}" y="${H - 8}" font-size="${FONT + 1}" text-anchor="middle">round trip (each bar: from the time shown to twice it)</text>`,
    `<text x="14" y="${MARGIN.top + PLOT_H / 2}" font-size="${FONT + 1}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + PLOT_H / 2})">samples (log scale)</text>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="12">doorbell round trip: samples per power-of-two bucket</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" role="img" aria-label="doorbell round-trip histogram">${axes.join('')}${parts.join('')}</svg>`;
}
