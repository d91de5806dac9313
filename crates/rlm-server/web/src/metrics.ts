// Reads the Prometheus text exposition of `/metrics` into samples, and picks
// out what the dashboard charts: tokens, cost and calls per model, retries by
// reason, subcalls by result, and the execution-latency histogram.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses `name{a="b",c="d"} 1.5` lines; comments and malformed lines are skipped. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/.exec(line);
    if (!m) continue;
    const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l: RegExpExecArray | null;
      while ((l = re.exec(m[3]))) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    out.push({ name: m[1], labels, value });
  }
  return out;
}

export interface ModelUse {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cost: number;
  calls: number;
}

export interface MetricsView {
  models: ModelUse[];
  retriesByReason: [string, number][];
  subcallsByResult: [string, number][];
  /** Cumulative execution-latency buckets: upper bound in seconds → count. */
  latencyBuckets: [number, number][];
  inFlight: number;
  jobsQueued: number;
}

export function metricsView(samples: Sample[]): MetricsView {
  const models = new Map<string, ModelUse>();
  const model = (name: string) => {
    let m = models.get(name);
    if (!m) models.set(name, (m = { model: name, inputTokens: 0, outputTokens: 0, cost: 0, calls: 0 }));
    return m;
  };
  const retries: [string, number][] = [];
  const subcalls: [string, number][] = [];
  const buckets: [number, number][] = [];
  let inFlight = 0;
  let jobsQueued = 0;
  for (const s of samples) {
    switch (s.name) {
      case 'rlm_model_tokens_total':
        if (s.labels.kind === 'input') model(s.labels.model).inputTokens += s.value;
        if (s.labels.kind === 'output') model(s.labels.model).outputTokens += s.value;
        break;
      case 'rlm_model_cost_usd_total':
        model(s.labels.model).cost += s.value;
        break;
      case 'rlm_model_calls_total':
        model(s.labels.model).calls += s.value;
        break;
      case 'rlm_retries_total':
        retries.push([s.labels.reason ?? '?', s.value]);
        break;
      case 'rlm_subcalls_total':
        subcalls.push([s.labels.result ?? '?', s.value]);
        break;
      case 'rlm_execution_duration_seconds_bucket':
        buckets.push([s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value]);
        break;
      case 'rlm_executions_in_flight':
        inFlight = s.value;
        break;
      case 'rlm_jobs_queued':
        jobsQueued = s.value;
        break;
    }
  }
  const byValue = (a: [string, number], b: [string, number]) => b[1] - a[1] || a[0].localeCompare(b[0]);
  return {
    models: [...models.values()].sort((a, b) => b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens)),
    retriesByReason: retries.sort(byValue),
    subcallsByResult: subcalls.sort(byValue),
    latencyBuckets: buckets.sort((a, b) => a[0] - b[0]),
    inFlight,
    jobsQueued,
  };
}
