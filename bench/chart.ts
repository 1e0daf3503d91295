// Line charts as standalone SVG, for docs/ (GitHub renders an .svg referenced as a markdown
// image; inline <svg> in markdown is stripped). Hand-written, no library: a row of panels
// sharing one legend, linear axes from 0 with "nice" ticks (1, 2, 5 x 10^k), optional
// dashed horizontal target lines. White background so it reads in dark mode too.

export interface Series {
  name: string;
  dashed?: boolean;
  points: Array<[number, number]>;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (targets). */
  hlines?: Array<{ y: number; label: string }>;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const PW = 470; // panel width
const PH = 300; // panel height
const M = { l: 62, r: 16, t: 34, b: 44 }; // plot margins inside a panel

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number) => (Math.abs(v) >= 1000 ? v.toLocaleString('en-US') : String(Number(v.toPrecision(4))));

/** Ticks from 0 to at least `max`: about `n` of them, on a 1/2/5 step. */
export function niceTicks(max: number, n = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function panelSvg(p: Panel, x0: number, color: (name: string) => string): string {
  const w = PW - M.l - M.r;
  const h = PH - M.t - M.b;
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xt = niceTicks(Math.max(1, ...pts.map(([x]) => x)));
  const yt = niceTicks(Math.max(0, ...pts.map(([, y]) => y), ...(p.hlines ?? []).map((l) => l.y)) * 1.05);
  const xMax = xt[xt.length - 1]!;
  const yMax = yt[yt.length - 1]!;
  const sx = (x: number) => x0 + M.l + (x / xMax) * w;
  const sy = (y: number) => M.t + h - (y / yMax) * h;
  const o: string[] = [];
  o.push(`<text x="${x0 + M.l + w / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (const v of yt) {
    o.push(`<line x1="${sx(0)}" x2="${sx(xMax)}" y1="${sy(v)}" y2="${sy(v)}" stroke="#e5e5e5"/>`);
    o.push(`<text x="${sx(0) - 6}" y="${sy(v) + 4}" text-anchor="end">${num(v)}</text>`);
  }
  for (const v of xt) {
    o.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${sy(0)}" y2="${sy(0) + 4}" stroke="#333"/>`);
    o.push(`<text x="${sx(v)}" y="${sy(0) + 17}" text-anchor="middle">${num(v)}</text>`);
  }
  o.push(`<rect x="${sx(0)}" y="${M.t}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  o.push(`<text x="${x0 + M.l + w / 2}" y="${PH - 8}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  o.push(`<text transform="translate(${x0 + 14},${M.t + h / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  for (const l of p.hlines ?? []) {
    o.push(`<line x1="${sx(0)}" x2="${sx(xMax)}" y1="${sy(l.y)}" y2="${sy(l.y)}" stroke="#c00" stroke-dasharray="2,3"/>`);
    // left end: the series tend to run out at the right, where the largest N are
    o.push(`<text x="${sx(0) + 4}" y="${sy(l.y) - 4}" fill="#c00">${esc(l.label)}</text>`);
  }
  for (const s of p.series) {
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    if (!ok.length) continue;
    const c = color(s.name);
    const d = ok.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    o.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6,4"' : ''}/>`);
    for (const [x, y] of ok) o.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${c}"><title>${esc(`${s.name}: ${num(x)}, ${num(y)}`)}</title></circle>`);
  }
  return o.join('\n');
}

/** Panels side by side, one legend (every series name, in first-seen order) below. */
export function chartSvg(panels: Panel[], title?: string): string {
  const names: string[] = [];
  const dashed = new Map<string, boolean>();
  for (const p of panels)
    for (const s of p.series)
      if (!names.includes(s.name)) {
        names.push(s.name);
        dashed.set(s.name, s.dashed === true);
      }
  const color = (n: string) => PALETTE[names.indexOf(n) % PALETTE.length]!;
  const top = title ? 26 : 0;
  const width = PW * panels.length;
  const perRow = Math.max(1, Math.floor(width / 310));
  const legendH = Math.ceil(names.length / perRow) * 20 + 10;
  const height = top + PH + legendH;
  const o: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  if (title) o.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  o.push(`<g transform="translate(0,${top})">`);
  panels.forEach((p, i) => o.push(panelSvg(p, i * PW, color)));
  o.push('</g>');
  names.forEach((n, i) => {
    const x = 20 + (i % perRow) * 310;
    const y = top + PH + 14 + Math.floor(i / perRow) * 20;
    o.push(`<line x1="${x}" x2="${x + 28}" y1="${y}" y2="${y}" stroke="${color(n)}" stroke-width="2"${dashed.get(n) ? ' stroke-dasharray="6,4"' : ''}/>`);
    o.push(`<text x="${x + 34}" y="${y + 4}">${esc(n)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
