/**
 * A small time-series chart in inline SVG (a line or bars), drawn at the width it is given so its text stays
 * readable from a phone to a desktop. The figure's caption gives the latest, lowest and highest values in words,
 * for screen readers and for anyone who prefers numbers to lines. Its height is fixed, so it never jumps.
 */
import { type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';

export interface ChartPoint {
  /** Milliseconds since the epoch. */
  readonly x: number;
  readonly y: number;
}

const HEIGHT = 160;
const PAD = { top: 12, right: 12, bottom: 24, left: 56 };

function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

function niceBounds(values: readonly number[], floorAtZero: boolean): [number, number] {
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (floorAtZero) low = Math.min(0, low);
  if (low === high) {
    high = low + (Math.abs(low) > 1 ? Math.abs(low) * 0.05 : 1);
    if (!floorAtZero) low -= high - low;
  }
  // Counts get whole-number ticks: the middle tick of 0…5 would read 2.5 calls.
  const counts = values.every(Number.isInteger) && Number.isInteger(low) && Number.isInteger(high);
  if (counts && (high - low) % 2 === 1) high += 1;
  return [low, high];
}

const timeLabel = new Intl.DateTimeFormat('sv-SE', { hour: '2-digit', minute: '2-digit' });
const dayLabel = new Intl.DateTimeFormat('sv-SE', { month: 'short', day: 'numeric' });

export function LineChart({
  title,
  points,
  formatValue,
  kind = 'line',
  floorAtZero = false,
  byDay = false,
  emptyText = 'No data yet',
}: {
  readonly title: string;
  readonly points: readonly ChartPoint[];
  readonly formatValue: (value: number) => string;
  readonly kind?: 'line' | 'bars';
  readonly floorAtZero?: boolean;
  readonly byDay?: boolean;
  readonly emptyText?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const values = points.map((p) => p.y);
  const last = points.at(-1);
  const summary = last
    ? `Latest ${formatValue(last.y)}; lowest ${formatValue(Math.min(...values))}; highest ${formatValue(Math.max(...values))}.`
    : emptyText;
  const formatTime = (x: number) => (byDay ? dayLabel : timeLabel).format(new Date(x));

  let body: ReactNode = null;
  if (width > 0 && points.length > 0) {
    const [low, high] = niceBounds(values, floorAtZero || kind === 'bars');
    const firstX = points[0]?.x ?? 0;
    const spanX = Math.max(1, (last?.x ?? firstX) - firstX);
    const plotWidth = Math.max(10, width - PAD.left - PAD.right);
    const plotHeight = HEIGHT - PAD.top - PAD.bottom;
    const sx = (x: number) =>
      kind === 'bars'
        ? PAD.left + ((points.findIndex((p) => p.x === x) + 0.5) * plotWidth) / points.length
        : PAD.left + ((x - firstX) / spanX) * plotWidth;
    const sy = (y: number) => PAD.top + plotHeight - ((y - low) / (high - low)) * plotHeight;
    const ticks = [low, (low + high) / 2, high];
    const barWidth = Math.max(1, (plotWidth / points.length) * 0.7);
    const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
    body = (
      <svg width={width} height={HEIGHT} role="img" aria-label={`${title}. ${summary}`}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="chart-gridline" x1={PAD.left} x2={width - PAD.right} y1={sy(tick)} y2={sy(tick)} />
            <text className="chart-axis" x={PAD.left - 6} y={sy(tick) + 4} textAnchor="end">
              {formatValue(tick)}
            </text>
          </g>
        ))}
        <text className="chart-axis" x={PAD.left} y={HEIGHT - 6} textAnchor="start">
          {formatTime(points[0]?.x ?? 0)}
        </text>
        <text className="chart-axis" x={width - PAD.right} y={HEIGHT - 6} textAnchor="end">
          {formatTime(last?.x ?? 0)}
        </text>
        {kind === 'bars' ? (
          points.map((p) => (
            <rect
              key={p.x}
              className="chart-bar"
              x={sx(p.x) - barWidth / 2}
              y={sy(p.y)}
              width={barWidth}
              height={Math.max(0, sy(low) - sy(p.y))}
            />
          ))
        ) : (
          <>
            <path className="chart-area" d={`${line}L${sx(last?.x ?? 0)},${sy(low)}L${sx(firstX)},${sy(low)}Z`} />
            <path className="chart-line" d={line} />
            {last && <circle className="chart-dot" cx={sx(last.x)} cy={sy(last.y)} r={3.5} />}
          </>
        )}
      </svg>
    );
  } else if (width > 0) {
    body = <p className="chart-empty">{emptyText}</p>;
  }

  return (
    <figure className="chart">
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-summary">{summary}</span>
      </figcaption>
      <div ref={ref} className="chart-canvas" style={{ height: HEIGHT }}>
        {body}
      </div>
    </figure>
  );
}
