// The /metrics reader: labels with escapes, histograms, and the dashboard's view.
import { describe, expect, it } from 'vitest';
import { metricsView, parsePrometheus } from '../src/metrics';

const TEXT = `# HELP rlm_model_tokens Tokens per model
# TYPE rlm_model_tokens counter
rlm_model_tokens_total{model="fake:demo",kind="input"} 1200
rlm_model_tokens_total{model="fake:demo",kind="output"} 300
rlm_model_tokens_total{model="openai:gpt-5-nano",kind="input"} 5000
rlm_model_cost_usd_total{model="openai:gpt-5-nano"} 0.0125
rlm_model_calls_total{model="fake:demo"} 9
rlm_retries_total{reason="rate_limited"} 3
rlm_retries_total{reason="http_503"} 5
rlm_subcalls_total{result="ok"} 6
rlm_execution_duration_seconds_bucket{le="0.005"} 0
rlm_execution_duration_seconds_bucket{le="0.01"} 2
rlm_execution_duration_seconds_bucket{le="+Inf"} 3
rlm_executions_in_flight 1
weird{a="x\\"y"} 2
not a sample line
`;

describe('metrics', () => {
  it('parses samples and escaped labels', () => {
    const s = parsePrometheus(TEXT);
    expect(s.find((x) => x.name === 'weird')).toEqual({ name: 'weird', labels: { a: 'x"y' }, value: 2 });
    expect(s.filter((x) => x.name === 'rlm_retries_total').length).toBe(2);
  });

  it('builds the dashboard view', () => {
    const v = metricsView(parsePrometheus(TEXT));
    expect(v.models.map((m) => m.model)).toEqual(['openai:gpt-5-nano', 'fake:demo']);
    expect(v.models[1]).toEqual({ model: 'fake:demo', inputTokens: 1200, outputTokens: 300, cost: 0, calls: 9 });
    expect(v.models[0].cost).toBeCloseTo(0.0125);
    expect(v.retriesByReason).toEqual([['http_503', 5], ['rate_limited', 3]]);
    expect(v.latencyBuckets).toEqual([[0.005, 0], [0.01, 2], [Infinity, 3]]);
    expect(v.inFlight).toBe(1);
  });
});
