// Small charts drawn as SVG and CSS, themed by the page's colour variables:
// horizontal bars (categories), stacked columns (a series over time or
// buckets) and a ring (one ratio). Each mark carries a <title> (hover) and
// its value as a data attribute, so figures can be read and checked.

export interface Bar {
  label: string;
  value: number;
  /** How the value reads (default: the number). */
  text?: string;
  /** A second value stacked after the first (e.g. output after input tokens). */
  value2?: number;
}

export function HBars({ bars, label, testid, legend }: { bars: Bar[]; label: string; testid: string; legend?: [string, string] }) {
  const max = Math.max(0, ...bars.map((b) => b.value + (b.value2 ?? 0)));
  if (bars.length === 0) return <p class="muted small" data-testid={testid}>nothing yet</p>;
  return (
    <div class="hbars" role="img" aria-label={label} data-testid={testid}>
      {legend && (
        <div class="legend small">
          <span class="swatch a" /> {legend[0]} <span class="swatch b" /> {legend[1]}
        </div>
      )}
      {bars.map((b) => {
        const w1 = max ? (b.value / max) * 100 : 0;
        const w2 = max && b.value2 ? (b.value2 / max) * 100 : 0;
        return (
          <div class="hbar" key={b.label} data-label={b.label} data-value={b.value} title={`${b.label}: ${b.text ?? b.value}`}>
            <span class="hbar-label">{b.label}</span>
            <span class="hbar-track">
              <span class="hbar-fill a" style={{ width: `${w1}%` }} />
              {w2 > 0 && <span class="hbar-fill b" style={{ width: `${w2}%` }} />}
            </span>
            <span class="hbar-value">{b.text ?? b.value}</span>
          </div>
        );
      })}
    </div>
  );
}

export interface Column {
  label: string;
  /** Stacked parts, bottom first, each with a CSS class naming its colour. */
  parts: { value: number; cls: string; name: string }[];
}

export function Columns({ columns, label, testid, first, last }: { columns: Column[]; label: string; testid: string; first?: string; last?: string }) {
  // The SVG stretches to the card's width; its text would stretch with it,
  // so the axis labels are HTML around it.
  const W = 600;
  const H = 130;
  const max = Math.max(1, ...columns.map((c) => c.parts.reduce((a, p) => a + p.value, 0)));
  const slot = columns.length ? W / columns.length : W;
  const bw = Math.max(1, Math.min(slot * 0.8, 40));
  const y = (v: number) => ((H - 4) * v) / max;
  return (
    <figure class="columns-figure">
      <div class="columns-max small muted">{max}</div>
      <svg class="columns" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid={testid} preserveAspectRatio="none">
        <line x1={0} x2={W} y1={H} y2={H} class="axis" />
        {columns.map((c, i) => {
          let base = H;
          const total = c.parts.reduce((a, p) => a + p.value, 0);
          return (
            <g key={i} data-label={c.label} data-total={total}>
              <title>{`${c.label}: ${c.parts.map((p) => `${p.value} ${p.name}`).join(', ')}`}</title>
              {c.parts.map((p, j) => {
                const h = y(p.value);
                base -= h;
                return h > 0 ? <rect key={j} x={i * slot + (slot - bw) / 2} y={base} width={bw} height={h} class={p.cls} /> : null;
              })}
            </g>
          );
        })}
      </svg>
      <figcaption class="columns-axis small muted">
        <span>{first}</span>
        <span>{last}</span>
      </figcaption>
    </figure>
  );
}

export function Ring({ ratio, label, testid }: { ratio: number | null; label: string; testid: string }) {
  const r = 40;
  const c = 2 * Math.PI * r;
  const v = ratio ?? 0;
  return (
    <svg class="ring" viewBox="0 0 100 100" role="img" aria-label={label} data-testid={testid} data-value={ratio ?? ''}>
      <circle cx={50} cy={50} r={r} class="ring-track" />
      <circle cx={50} cy={50} r={r} class="ring-fill" stroke-dasharray={`${c * v} ${c}`} transform="rotate(-90 50 50)" />
      <text x={50} y={55} text-anchor="middle" class="ring-text">
        {ratio == null ? '–' : `${Math.round(v * 100)}%`}
      </text>
    </svg>
  );
}
