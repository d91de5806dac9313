// One execution at /executions/{id}: the question, the final answer on top
// (or the error, plainly), totals, a share link, cancel while it runs, and
// the tree growing underneath. Opened from a shared link it attaches to the
// execution's stream: live if it runs, replayed from the stored trace if not.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { count, ms, usd } from '../format';
import { reattach, useLive, watch } from '../live';
import { linkClick } from '../router';
import { Tree } from './Tree';

/** The time now, re-read every half second while `ticking`. */
function useClock(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

export function ExecutionView({ id, onEnded }: { id: string; onEnded: () => void }) {
  const live = watch(id);
  const version = useLive(live);
  const m = live.model;
  // The sidebar's spend figures change when an execution ends.
  useEffect(() => {
    if (m.ended) onEnded();
  }, [m.ended]);
  const e = m.execution;
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const t = m.totals;
  // While it runs, the stored record's totals are those of its start: the
  // figures are the calls finished so far, and the time since it started.
  const now = useClock(!m.ended);
  const shown = (stored: number | undefined, sofar: number) =>
    m.ended && e ? (stored ?? sofar) : Math.max(stored ?? 0, sofar);
  const tokensIn = shown(e?.total_input_tokens, t.inTokens);
  const tokensOut = shown(e?.total_output_tokens, t.outTokens);
  const cost = shown(e?.total_cost_usd, t.cost);
  const latency = m.ended
    ? (e?.latency_ms ?? m.root?.latencyMs ?? null)
    : t.startedAt === null
      ? null
      : Math.max(0, now - t.startedAt / 1000);
  const link = `${location.origin}/executions/${id}`;
  const answer = m.answer;

  return (
    <article class="execution" data-status={m.status} data-testid="execution">
      <header class="exec-head">
        <div class="crumbs">
          {e?.session_id && (
            <a href={`/sessions/${e.session_id}`} onClick={linkClick}>
              ← session
            </a>
          )}
          <span class={`status-pill status-${m.status}`} data-testid="status">
            {m.status}
          </span>
          {e?.finish && <span class="muted">ended: {e.finish}</span>}
        </div>
        <h1 class="query">{m.query || e?.user_query || 'Execution'}</h1>
        <div class="share">
          <input readOnly value={link} aria-label="Link to this execution" onFocus={(ev) => (ev.target as HTMLInputElement).select()} />
          <button
            type="button"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(link);
                setCopied(true);
              } catch {
                setCopied(false);
              }
            }}
          >
            {copied ? 'copied' : 'copy link'}
          </button>
          {!m.ended && m.executionId && (
            <button
              type="button"
              class="danger"
              onClick={async () => {
                try {
                  await api.cancel(id);
                } catch (err) {
                  setCancelError((err as Error).message);
                }
              }}
            >
              Cancel
            </button>
          )}
        </div>
        {cancelError && <div class="note note-error">{cancelError}</div>}
      </header>

      {answer != null && (
        <section class="final" aria-label="Final answer" data-testid="final-answer">
          <div class="label">Final answer</div>
          <pre>{answer}</pre>
        </section>
      )}
      {m.ended && m.status !== 'completed' && (
        <section class="failure" role="alert" data-testid="execution-error">
          <div class="label">{m.status === 'cancelled' ? 'Cancelled' : 'The execution did not complete'}</div>
          <pre>{m.error ?? 'no message'}</pre>
        </section>
      )}
      {live.streamError && !m.ended && (
        <section class="failure" role="alert">
          <div class="label">Live updates stopped</div>
          <pre>{live.streamError}</pre>
          <button type="button" onClick={() => { reattach(id); setCopied(false); }}>
            Reconnect
          </button>
        </section>
      )}

      <dl class="totals" data-testid="totals">
        <div>
          <dt>tokens in / out</dt>
          <dd>
            {count(tokensIn)} / {count(tokensOut)}
          </dd>
        </div>
        <div>
          <dt>cost</dt>
          <dd>{usd(cost)}</dd>
        </div>
        <div>
          <dt>latency</dt>
          <dd data-testid="latency">{ms(latency)}</dd>
        </div>
        <div>
          <dt>steps</dt>
          <dd data-testid="steps">{t.steps}</dd>
        </div>
        <div>
          <dt>subcalls</dt>
          <dd data-testid="subcalls">
            {count(t.subcallsDone)} / {count(t.subcalls)}
          </dd>
        </div>
        <div>
          <dt>cached · deduped · retried</dt>
          <dd>
            {count(t.cached)} · {count(t.deduped)} · {count(t.retried)}
          </dd>
        </div>
        <div>
          <dt>sub-RLMs</dt>
          <dd>{t.subRuns}</dd>
        </div>
      </dl>
      {m.ended && !m.sawTokens && m.root && <p class="muted small">Re-opened from the stored trace: replies are shown as recorded (the token-by-token stream is not stored).</p>}
      {m.root ? <Tree model={m} version={version} /> : <p class="muted">{m.ended ? 'No run was recorded.' : 'Waiting for the run to start…'}</p>}
    </article>
  );
}
