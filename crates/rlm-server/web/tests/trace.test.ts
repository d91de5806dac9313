// The tree model: spans nest as the trace says, tokens grow the streaming
// step, flags and spend land on their nodes, and a replay (no tokens) shows
// the stored reply.
import { describe, expect, it } from 'vitest';
import { TraceModel } from '../src/trace';

let seq = 0;
function ev(span: number, parent: number | null, kind: Record<string, unknown>) {
  return { schema_version: 1, seq: seq++, ts: 1_000_000 + seq * 1000, span_id: span, parent_span_id: parent, kind };
}
const usage = (p: number, c: number) => ({ prompt_tokens: p, completion_tokens: c, cached_tokens: 0 });
const finished = (extra: Record<string, unknown> = {}) => ({
  outcome: 'ok',
  response_preview: 'R',
  usage: usage(10, 2),
  cost_usd: 0.001,
  latency_ms: 40,
  ...extra,
});

function started(): TraceModel {
  const m = new TraceModel();
  m.apply('execution_start', { execution_id: 'e1', user_query: 'q?', model: 'scripted' });
  m.apply('run_started', ev(1, null, { type: 'run_started', query: 'q?', model: 'fake:demo', depth: 0, context_chars: 10, context_documents: 1 }));
  return m;
}

describe('TraceModel', () => {
  it('streams the root reply into the open step, then keeps it', () => {
    const m = started();
    m.apply('model_call_started', ev(2, 1, { type: 'model_call_started', model: 'fake:demo', iteration: 0, prompt_preview: 'p', prompt_messages: 2 }));
    m.apply('token', { model: 'fake:demo', text: 'Let me ' });
    const step = m.nodes.get(2)!;
    expect(step.reply).toBe('Let me ');
    expect(step.status).toBe('running');
    m.apply('token', { model: 'fake:demo', text: 'look.' });
    expect(step.reply).toBe('Let me look.');
    m.apply('model_call_finished', ev(2, 1, { type: 'model_call_finished', ...finished({ response_preview: 'Let me lo[cut]' }) }));
    // The streamed text is whole; the stored preview may be cut.
    expect(step.reply).toBe('Let me look.');
    expect(step.status).toBe('ok');
    expect([step.inTokens, step.outTokens, step.latencyMs]).toEqual([10, 2, 40]);
    // Tokens after the step ended belong to no step.
    m.apply('token', { model: 'fake:demo', text: 'stray' });
    expect(step.reply).toBe('Let me look.');
    expect(m.totals.steps).toBe(1);
    // The header's live figures: the step's tokens, and when the run began.
    expect([m.totals.inTokens, m.totals.outTokens]).toEqual([10, 2]);
    expect(m.totals.startedAt).toBe(m.nodes.get(1)!.start);
  });

  it('nests programs, subcalls and sub-RLMs, with flags and errors', () => {
    const m = started();
    m.apply('program_started', ev(3, 1, { type: 'program_started', iteration: 0, code: 'x = llm_batch(p)' }));
    for (let i = 0; i < 3; i++) {
      m.apply('subcall_started', ev(10 + i, 3, { type: 'subcall_started', model: 'fake:sub', prompt_preview: `chunk ${i}`, batch_index: i }));
    }
    m.apply('run_started', ev(20, 3, { type: 'run_started', query: 'inner?', model: 'fake:demo', depth: 1, context_chars: 5, context_documents: 1 }));
    m.apply('subcall_started', ev(21, 20, { type: 'subcall_started', model: 'fake:sub', prompt_preview: 'deep' }));
    m.apply('retry', ev(10, 3, { type: 'retry', attempt: 1, reason: 'rate_limited', delay_ms: 200 }));
    m.apply('subcall_finished', ev(10, 3, { type: 'subcall_finished', ...finished({ cached: true }) }));
    m.apply('subcall_finished', ev(11, 3, { type: 'subcall_finished', ...finished({ deduped: true }) }));
    m.apply('subcall_finished', ev(12, 3, { type: 'subcall_finished', ...finished({ outcome: 'error', response_preview: '', error: 'HTTP 500' }) }));
    m.apply('subcall_finished', ev(21, 20, { type: 'subcall_finished', ...finished() }));
    m.apply('final_answer', ev(20, 3, { type: 'final_answer', answer: 'inner answer' }));
    m.apply('run_finished', ev(20, 3, { type: 'run_finished', outcome: 'ok', iterations: 1, usage: usage(5, 1), cost_usd: 0, duration_ms: 9 }));
    m.apply('program_finished', ev(3, 1, { type: 'program_finished', outcome: 'error', stdout: 'partial\n', error: 'NameError: name "y" is not defined', fuel_used: 7, memory_bytes: 64, duration_ms: 12 }));

    const program = m.nodes.get(3)!;
    expect(program.children.map((c) => c.id)).toEqual([10, 11, 12, 20]);
    expect(program.status).toBe('error');
    expect(program.error).toContain('NameError');
    expect(program.stdout).toBe('partial\n');
    const [a, b, c] = program.children;
    expect([a.cached, a.retries, a.notes[0].text]).toEqual([true, 1, 'retry 1: rate_limited (waited 200 ms)']);
    expect(b.deduped).toBe(true);
    expect([c.status, c.error]).toEqual(['error', 'HTTP 500']);
    const sub = m.nodes.get(20)!;
    expect([sub.runDepth, sub.answer, sub.children[0].runDepth]).toEqual([1, 'inner answer', 1]);
    expect(m.totals).toMatchObject({ subcalls: 4, subcallsDone: 4, subcallsFailed: 1, cached: 1, deduped: 1, retried: 1, subRuns: 1, programs: 1 });
    // The spend so far, before any run ends: each finished call once.
    expect([m.totals.inTokens, m.totals.outTokens]).toEqual([40, 8]);
    expect(m.totals.cost).toBeCloseTo(0.004);
  });

  it('records budget stops and the final outcome', () => {
    const m = started();
    m.apply('budget', ev(1, null, { type: 'budget', level: 'hard_stop', budget: 'steps', used: 3, limit: 3, message: 'step budget exhausted (3 of 3)' }));
    m.apply('run_finished', ev(1, null, { type: 'run_finished', outcome: 'budget_exceeded', iterations: 3, usage: usage(30, 6), cost_usd: 0.25, duration_ms: 80 }));
    m.apply('error', { error: 'the run ended without an answer', execution: { id: 'e1', status: 'failed', error_message: 'step budget exhausted', final_result: null } });
    expect(m.root!.status).toBe('budget_exceeded');
    expect(m.root!.notes).toEqual([{ kind: 'budget', text: 'step budget exhausted (3 of 3)', level: 'hard_stop' }]);
    expect(m.root!.cost).toBe(0.25);
    expect([m.status, m.error, m.ended, m.answer]).toEqual(['failed', 'step budget exhausted', true, null]);
  });

  it('shows the stored reply when replayed without tokens, and the answer on top', () => {
    const m = started();
    m.apply('model_call_started', ev(2, 1, { type: 'model_call_started', model: 'fake:demo', iteration: 0, prompt_preview: 'p', prompt_messages: 2 }));
    m.apply('model_call_finished', ev(2, 1, { type: 'model_call_finished', ...finished({ response_preview: 'FINAL(42)' }) }));
    m.apply('final_answer', ev(1, null, { type: 'final_answer', answer: '42' }));
    m.apply('complete', { id: 'e1', status: 'completed', final_result: '42', error_message: null });
    expect(m.nodes.get(2)!.reply).toBe('FINAL(42)');
    expect([m.answer, m.status, m.sawTokens]).toEqual(['42', 'completed', false]);
  });

  it('ignores frames it does not know and events of unknown spans', () => {
    const m = started();
    const before = m.version;
    m.apply('subcall_finished', ev(99, 1, { type: 'subcall_finished', ...finished() }));
    m.apply('mystery', { hello: 1 });
    m.apply('program_started', ev(3, 404, { type: 'program_started', iteration: 0, code: '' }));
    expect(m.nodes.has(99)).toBe(false);
    // A span whose parent is unknown is kept, but not in the tree.
    expect(m.root!.children).toEqual([]);
    expect(m.version).toBeGreaterThan(before);
  });
});
