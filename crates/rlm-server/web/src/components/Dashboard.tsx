// The dashboard: totals and charts from `/api/stats` (stored executions:
// over time, outcomes, latency percentiles, cache hit rate) and `/metrics`
// (this server process since it started: tokens, cost and calls per model,
// retries by reason, subcalls by result, the latency histogram).
import { useEffect, useState } from 'preact/hooks';
import { api, type UsageStats } from '../api';
import { count, ms, percent, usd } from '../format';
import { metricsView, parsePrometheus, type MetricsView } from '../metrics';
import { Columns, HBars, Ring } from './charts';

const WIDTHS: Record<number, string> = { 60: 'minute', 300: '5 minutes', 900: '15 minutes', 3600: 'hour', 21600: '6 hours', 86400: 'day', 604800: 'week', 2592000: '30 days', 31536000: 'year' };

function bucketLabel(iso: string, secs: number): string {
  const d = new Date(iso);
  if (secs >= 86_400) return d.toLocaleDateString();
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function Dashboard() {
  const [stats, setStats] = useState<UsageStats | null>(null);
  const [metrics, setMetrics] = useState<MetricsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [metricsError, setMetricsError] = useState<string | null>(null);
  const [loadedAt, setLoadedAt] = useState<Date | null>(null);

  const load = async () => {
    try {
      setStats(await api.stats());
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
    try {
      setMetrics(metricsView(parsePrometheus(await api.metrics())));
      setMetricsError(null);
    } catch (e) {
      setMetricsError((e as Error).message);
    }
    setLoadedAt(new Date());
  };
  useEffect(() => {
    void load();
  }, []);

  if (error) return <div class="note note-error" role="alert">{error}</div>;
  if (!stats) return <p class="muted">Loading…</p>;
  const tl = stats.timeline;
  const hist = metrics ? histogram(metrics.latencyBuckets) : [];
  return (
    <article class="dashboard" data-testid="dashboard">
      <header class="dash-head">
        <h1>Dashboard</h1>
        <span class="muted small">{loadedAt && `as of ${loadedAt.toLocaleTimeString()}`}</span>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </header>
      <dl class="kpis">
        <Kpi label="executions" value={count(stats.total_executions)} testid="kpi-executions" />
        <Kpi label="tokens in" value={count(stats.total_input_tokens)} testid="kpi-input-tokens" />
        <Kpi label="tokens out" value={count(stats.total_output_tokens)} testid="kpi-output-tokens" />
        <Kpi label="cost" value={usd(stats.total_cost_usd)} testid="kpi-cost" />
        <Kpi label="per execution" value={usd(stats.average_cost_per_execution)} testid="kpi-avg-cost" />
        <Kpi label="subcalls" value={count(stats.total_subcalls)} testid="kpi-subcalls" />
        <Kpi label="retries" value={count(stats.total_retries)} testid="kpi-retries" />
      </dl>

      <div class="charts">
        <section class="card wide">
          <h2>Executions over time</h2>
          <Columns
            label="Executions per time bucket: completed and not"
            testid="chart-timeline"
            columns={tl.buckets.map((b) => ({
              label: bucketLabel(b.start, tl.bucket_secs),
              parts: [
                { value: b.completed, cls: 'ok', name: 'completed' },
                { value: b.failed, cls: 'bad', name: 'not completed' },
                { value: b.executions - b.completed - b.failed, cls: 'other', name: 'running' },
              ],
            }))}
            first={tl.buckets[0] && bucketLabel(tl.buckets[0].start, tl.bucket_secs)}
            last={tl.buckets.length > 1 ? bucketLabel(tl.buckets[tl.buckets.length - 1].start, tl.bucket_secs) : undefined}
          />
          <p class="muted small">
            {tl.bucket_secs ? `one column per ${WIDTHS[tl.bucket_secs] ?? `${tl.bucket_secs} s`}` : 'no executions yet'} · <span class="swatch ok" /> completed <span class="swatch bad" /> failed, cancelled or interrupted
          </p>
        </section>

        <section class="card">
          <h2>Latency</h2>
          <HBars
            label="Execution latency percentiles"
            testid="chart-latency"
            bars={[
              { label: 'p50', value: stats.latency.p50_ms, text: ms(stats.latency.p50_ms) },
              { label: 'p95', value: stats.latency.p95_ms, text: ms(stats.latency.p95_ms) },
              { label: 'p99', value: stats.latency.p99_ms, text: ms(stats.latency.p99_ms) },
            ]}
          />
          <p class="muted small">over {count(stats.latency.count)} finished executions</p>
          {hist.length > 0 && (
            <>
              <Columns label="Execution latency histogram (this server process)" testid="chart-latency-histogram" columns={hist} first={hist[0].label} last={hist[hist.length - 1].label} />
              <p class="muted small">histogram of this process's executions (from /metrics)</p>
            </>
          )}
        </section>

        <section class="card">
          <h2>Outcomes</h2>
          <HBars label="How executions ended" testid="chart-outcomes" bars={countBars(stats.outcomes)} />
          <h3>By status</h3>
          <HBars
            label="Executions by status"
            testid="chart-status"
            bars={countBars(stats.executions_by_status)}
          />
        </section>

        <section class="card">
          <h2>Cache hit rate</h2>
          <div class="ring-row">
            <Ring ratio={stats.cache_hit_rate} label="Subcalls served from the cache" testid="chart-cache" />
            <p class="small">
              <span data-testid="cache-rate">{percent(stats.cache_hit_rate)}</span> of {count(stats.total_subcalls)} subcalls ({count(stats.cache_hits)} hits)
            </p>
          </div>
          {metrics && (
            <>
              <h3>Subcalls by result</h3>
              <HBars label="Subcalls by result (this server process)" testid="chart-subcalls" bars={metrics.subcallsByResult.map(([k, v]) => ({ label: k, value: v }))} />
            </>
          )}
        </section>

        <section class="card">
          <h2>Tokens and cost per model</h2>
          {metrics ? (
            <>
              <h3>Tokens</h3>
              <HBars
                label="Tokens per model, input and output"
                testid="chart-model-tokens"
                legend={['input', 'output']}
                bars={metrics.models.map((m) => ({ label: m.model, value: m.inputTokens, value2: m.outputTokens, text: `${count(m.inputTokens)} + ${count(m.outputTokens)}` }))}
              />
              <h3>Cost and calls</h3>
              <HBars label="Cost per model" testid="chart-model-cost" bars={metrics.models.map((m) => ({ label: m.model, value: m.cost, text: `${usd(m.cost)} · ${count(m.calls)} calls` }))} />
              <p class="muted small">this server process since it started (from /metrics)</p>
            </>
          ) : (
            <p class="muted">{metricsError ?? 'loading…'}</p>
          )}
        </section>

        <section class="card">
          <h2>Retries by reason</h2>
          {metrics ? (
            metrics.retriesByReason.length ? (
              <HBars label="Model-call retries by reason" testid="chart-retries" bars={metrics.retriesByReason.map(([k, v]) => ({ label: k, value: v }))} />
            ) : (
              <p class="muted" data-testid="chart-retries">no retries since the server started</p>
            )
          ) : (
            <p class="muted">{metricsError ?? 'loading…'}</p>
          )}
          <p class="muted small">stored executions: {count(stats.total_retries)} retries in all</p>
        </section>
      </div>
    </article>
  );
}

function Kpi({ label, value, testid }: { label: string; value: string; testid: string }) {
  return (
    <div class="kpi">
      <dt>{label}</dt>
      <dd data-testid={testid}>{value}</dd>
    </div>
  );
}

/** A count per name, largest first. */
function countBars(counts: Record<string, number>) {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([label, value]) => ({ label, value }));
}

/** Cumulative Prometheus buckets → one column per bucket (its own count). */
function histogram(buckets: [number, number][]) {
  const cols = [];
  let prev = 0;
  let seen = false;
  for (const [le, cum] of buckets) {
    const n = cum - prev;
    prev = cum;
    if (!seen && n === 0) continue; // skip the empty fast end
    seen = true;
    cols.push({ label: Number.isFinite(le) ? `≤${ms(le * 1000)}` : '>', parts: [{ value: n, cls: 'ok', name: 'executions' }] });
  }
  // Trim the empty slow end.
  while (cols.length && cols[cols.length - 1].parts[0].value === 0) cols.pop();
  return cols;
}
