// The timeline: bytes/s or frames/s each way over time, for the picked lane or for all, as a small
// bar chart above the frames — client to server upwards, server to client downwards — so bursts
// and pacing show at a glance (flow control, the Live API's audio chunks). Frames are counted into
// buckets as they arrive (timeline-buckets.ts); a redraw reads only the buckets.

import { h } from '../lib/dom';
import type { Connections, Lane } from './connections';
import type { FrameRow } from './frame-store';
import {
  type Chart,
  chartOf,
  describeChart,
  formatByteRate,
  formatFrameRate,
  RateBook,
  type RateSeries,
  wireBytes,
} from './timeline-buckets';
import './timeline.css';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_BARS = 120;
/** Half the chart's height in SVG units: client bars go up from the middle, server bars down. */
const HALF = 50;
const REDRAW_MS = 200;

type Measure = 'bytes' | 'frames';

let instances = 0;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

export class Timeline {
  readonly element: HTMLElement;
  private book = new RateBook<Lane>();
  private laneKey: string | null = null;
  private measure: Measure = 'bytes';
  private drawn = '';
  private lastDrawn = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly chart: SVGSVGElement;
  private readonly bars: { client: SVGRectElement; server: SVGRectElement }[] = [];
  private readonly scope: HTMLElement;
  private readonly scaleTop: HTMLElement;
  private readonly scaleBottom: HTMLElement;
  private readonly start: HTMLElement;
  private readonly end: HTMLElement;
  private readonly buttons: Record<Measure, HTMLButtonElement>;

  constructor(private readonly connections: Connections) {
    this.chart = svg('svg', {
      class: 'tl-chart',
      viewBox: `0 0 ${MAX_BARS} ${HALF * 2}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'data-testid': 'timeline-chart',
    });
    this.chart.append(svg('line', { class: 'tl-axis', x1: 0, x2: MAX_BARS, y1: HALF, y2: HALF }));
    for (let i = 0; i < MAX_BARS; i++) {
      const client = svg('rect', {
        class: 'tl-bar',
        'data-dir': 'client',
        x: i + 0.1,
        width: 0.8,
        y: HALF,
        height: 0,
      });
      const server = svg('rect', {
        class: 'tl-bar',
        'data-dir': 'server',
        x: i + 0.1,
        width: 0.8,
        y: HALF,
        height: 0,
      });
      this.bars.push({ client, server });
      this.chart.append(client, server);
    }
    const button = (measure: Measure, text: string) =>
      h(
        'button',
        {
          type: 'button',
          className: 'tl-measure',
          'aria-pressed': String(measure === this.measure),
          onclick: () => this.setMeasure(measure),
        },
        text,
      );
    this.buttons = { bytes: button('bytes', 'bytes/s'), frames: button('frames', 'frames/s') };
    const id = `timeline${++instances}`;
    this.scope = h('span', { className: 'tl-scope muted', id: `${id}-scope` });
    this.scaleTop = h('span', { className: 'tl-scale' });
    this.scaleBottom = h('span', { className: 'tl-scale' });
    this.start = h('span', {});
    this.end = h('span', {});
    this.element = h(
      'figure',
      { className: 'timeline', 'data-testid': 'timeline', 'aria-labelledby': `${id}-title ${id}-scope` },
      h(
        'div',
        { className: 'tl-head' },
        h('span', { className: 'tl-title', id: `${id}-title` }, 'Traffic of'),
        this.scope,
        h('span', { className: 'tl-key tl-key-client' }, '▲ client→server'),
        h('span', { className: 'tl-key tl-key-server' }, '▼ server→client'),
        h(
          'span',
          { className: 'tl-measures', role: 'group', 'aria-label': 'Measure' },
          this.buttons.bytes,
          this.buttons.frames,
        ),
      ),
      h(
        'div',
        { className: 'tl-body' },
        h(
          'div',
          { className: 'tl-y', 'aria-hidden': 'true' },
          this.scaleTop,
          h('span', {}, '0'),
          this.scaleBottom,
        ),
        this.chart,
      ),
      h(
        'div',
        { className: 'tl-x', 'aria-hidden': 'true' },
        this.start,
        h('span', {}, 'seconds since the server started'),
        this.end,
      ),
    );
  }

  /** Counts a frame as it arrives: its header and payload bytes, as on the wire. */
  add(record: FrameRow): void {
    const event = record.event;
    this.book.add(record.lane, event.t, event.dir, wireBytes(event));
  }

  setLane(key: string | null): void {
    this.laneKey = key;
    this.lastDrawn = Number.NEGATIVE_INFINITY;
  }

  clear(): void {
    this.book = new RateBook<Lane>();
    this.drawn = '';
  }

  private setMeasure(measure: Measure): void {
    this.measure = measure;
    this.lastDrawn = Number.NEGATIVE_INFINITY;
    for (const [name, element] of Object.entries(this.buttons))
      element.setAttribute('aria-pressed', String(name === measure));
    this.render();
  }

  private series(): { series: RateSeries | null; scope: string } {
    if (this.laneKey === null) return { series: this.book.all, scope: 'all connections' };
    const lane = this.connections.lanes.get(this.laneKey);
    if (!lane) return { series: null, scope: 'this connection' };
    return { series: this.book.series(lane), scope: `${lane.label} ${lane.conn}` };
  }

  render(): void {
    // Buckets are 100 ms wide: redrawing more often than a few times a second shows nothing new,
    // and under a flood the frame list needs the time more.
    const now = performance.now();
    const wait = this.lastDrawn + REDRAW_MS - now;
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.render();
      }, wait);
      return;
    }
    this.lastDrawn = now;
    const lanes = this.connections.lanes;
    // The inspector forgets old closed lanes past its bound; their series go with them.
    if (this.book.keys > lanes.size) this.book.retain((lane) => lanes.get(lane.key) === lane);
    const { series, scope } = this.series();
    const key = `${scope}/${series?.version}/${this.measure}`;
    if (key === this.drawn) return;
    this.drawn = key;
    const chart = series ? chartOf(series, MAX_BARS) : null;
    this.draw(chart);
    if (this.scope.textContent !== scope) this.scope.textContent = scope;
    this.chart.setAttribute('aria-label', describeChart(chart, scope));
  }

  private draw(chart: Chart | null): void {
    const bytes = this.measure === 'bytes';
    const rate = (bar: Chart['bars'][number]) => (bytes ? bar.bytesPerSecond : bar.framesPerSecond);
    const peak = chart
      ? bytes
        ? chart.peak.bytesPerSecond
        : chart.peak.framesPerSecond
      : { client: 0, server: 0 };
    // One scale both ways, so the taller half is the busier direction.
    const top = Math.max(peak.client, peak.server);
    const format = bytes ? formatByteRate : formatFrameRate;
    this.scaleTop.textContent = format(top);
    this.scaleBottom.textContent = format(top);
    const bars = chart?.bars ?? [];
    const offset = MAX_BARS - bars.length;
    for (let i = 0; i < MAX_BARS; i++) {
      const bar = bars[i - offset];
      const { client, server } = this.bars[i]!;
      const value = bar ? rate(bar) : { client: 0, server: 0 };
      // A bar that carried anything is at least a sliver, so one frame in a quiet minute shows.
      const up = top > 0 && value.client > 0 ? Math.max(1.5, (value.client / top) * (HALF - 2)) : 0;
      const down = top > 0 && value.server > 0 ? Math.max(1.5, (value.server / top) * (HALF - 2)) : 0;
      client.setAttribute('y', String(HALF - up));
      client.setAttribute('height', String(up));
      server.setAttribute('height', String(down));
    }
    this.start.textContent = chart ? `${(chart.t0 / 1000).toFixed(1)} s` : '';
    this.end.textContent = chart ? `${(chart.t1 / 1000).toFixed(1)} s` : '';
  }
}
