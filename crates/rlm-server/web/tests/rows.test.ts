// Flattening: defaults (runs, steps, programs open; subcalls folded), large
// batches folded into one group row, user choices honoured.
import { describe, expect, it } from 'vitest';
import { GROUP_AT, flatten, groupKey, nodeKey } from '../src/rows';
import { TraceModel } from '../src/trace';

function model(subcalls: number): TraceModel {
  const m = new TraceModel();
  let seq = 0;
  const e = (span: number, parent: number | null, kind: Record<string, unknown>) => ({ seq: seq++, ts: seq, span_id: span, parent_span_id: parent, kind });
  m.apply('run_started', e(1, null, { type: 'run_started', query: 'q', model: 'm', depth: 0 }));
  m.apply('model_call_started', e(2, 1, { type: 'model_call_started', model: 'm', iteration: 0 }));
  m.apply('program_started', e(3, 1, { type: 'program_started', iteration: 0, code: 'x' }));
  for (let i = 0; i < subcalls; i++) m.apply('subcall_started', e(100 + i, 3, { type: 'subcall_started', model: 's', prompt_preview: `p${i}`, batch_index: i }));
  for (let i = 0; i < subcalls; i += 2) m.apply('subcall_finished', e(100 + i, 3, { type: 'subcall_finished', outcome: i % 4 ? 'ok' : 'error', usage: { prompt_tokens: 3, completion_tokens: 1 }, cost_usd: 0.5, latency_ms: 1, cached: i === 0 }));
  return m;
}

describe('flatten', () => {
  it('shows a small batch call by call, folded', () => {
    const m = model(3);
    const rows = flatten(m.root, new Map());
    expect(rows.map((r) => r.key)).toEqual(['n1', 'n2', 'n3', 'n100', 'n101', 'n102']);
    const sub = rows[3];
    expect(sub.type === 'node' && [sub.open, sub.level, sub.parentKey]).toEqual([false, 2, 'n3']);
  });

  it('folds a large batch into one group row with its summary', () => {
    const m = model(1000);
    const rows = flatten(m.root, new Map());
    expect(rows.length).toBe(4);
    const g = rows[3];
    expect(g.type).toBe('group');
    if (g.type !== 'group') return;
    expect(g.summary).toMatchObject({ total: 1000, done: 500, failed: 250, cached: 1, inTokens: 1500, outTokens: 500, cost: 250 });
    const opened = flatten(m.root, new Map([[groupKey(m.nodes.get(3)!), true]]));
    expect(opened.length).toBe(4 + 1000);
    expect(opened[4].parentKey).toBe('g3');
    expect(GROUP_AT).toBeLessThan(1000);
  });

  it('honours closing a run and opening a subcall', () => {
    const m = model(2);
    expect(flatten(m.root, new Map([[nodeKey(m.root!), false]])).map((r) => r.key)).toEqual(['n1']);
    const rows = flatten(m.root, new Map([['n101', true]]));
    const r = rows.find((x) => x.key === 'n101');
    expect(r?.type === 'node' && r.open).toBe(true);
  });
});
