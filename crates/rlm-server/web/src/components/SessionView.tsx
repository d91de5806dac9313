// One session: its context and settings, cumulative spend against its
// budget, the ask box, and its executions.
import { useEffect, useState } from 'preact/hooks';
import { api, type Execution, type Session } from '../api';
import { bytes, count, ms, oneLine, usd, when } from '../format';
import { ask } from '../live';
import { linkClick, navigate } from '../router';

export const DEMO_QUESTION = 'Which service logged the most errors, and what is the vault passphrase?';

function Meter({ label, used, limit, format, testid }: { label: string; used: number; limit: number | null | undefined; format: (n: number) => string; testid: string }) {
  const ratio = limit ? Math.min(1, used / limit) : 0;
  const level = ratio >= 1 ? 'over' : ratio >= 0.85 ? 'near' : 'ok';
  return (
    <div class={`meter meter-${limit ? level : 'none'}`} data-testid={testid}>
      <div class="meter-label">
        <span>{label}</span>
        <span>
          {format(used)}
          {limit ? ` of ${format(limit)}` : ' (no limit)'}
        </span>
      </div>
      <div class="meter-bar" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={limit ?? undefined} aria-valuenow={used}>
        <span style={{ width: `${limit ? ratio * 100 : 0}%` }} />
      </div>
    </div>
  );
}

export function SessionView({ id, onChanged }: { id: string; onChanged: () => void }) {
  const [session, setSession] = useState<Session | null>(null);
  const [executions, setExecutions] = useState<Execution[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [question, setQuestion] = useState('');
  const [asking, setAsking] = useState(false);
  const [askError, setAskError] = useState<string | null>(null);

  const load = async () => {
    try {
      const [s, ex] = await Promise.all([api.session(id), api.executions(id, 100)]);
      setSession(s);
      setExecutions(ex.executions);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, [id]);

  const submit = async (ev?: Event) => {
    ev?.preventDefault();
    const q = question.trim();
    if (!q || asking) return;
    setAsking(true);
    setAskError(null);
    try {
      const executionId = await ask(id, q);
      onChanged();
      navigate(`/executions/${executionId}`);
    } catch (e) {
      setAskError((e as Error).message);
    } finally {
      setAsking(false);
    }
  };

  if (error) return <div class="note note-error" role="alert">{error}</div>;
  if (!session) return <p class="muted">Loading…</p>;
  const meta = session.context_metadata ?? {};
  const st = session.settings;
  const spend = session.spend;
  return (
    <article class="session" data-testid="session">
      <header>
        <h1>{session.name || 'Untitled session'}</h1>
        <p class="muted">
          {typeof meta.size === 'number' ? `${count(meta.size)} characters` : 'no context'}
          {typeof meta.bytes === 'number' && ` · ${bytes(meta.bytes)}`}
          {typeof meta.documents === 'number' && ` · ${meta.documents} document${meta.documents === 1 ? '' : 's'}`}
          {' · '}model {st.model ?? 'server default'}
          {st.sub_model && ` · sub-model ${st.sub_model}`}
          {' · '}created {when(session.created_at)}
        </p>
      </header>

      <section class="budget" aria-label="Spend against budget">
        <h2>Spend</h2>
        <div class="meters">
          <Meter label="tokens" used={spend.input_tokens + spend.output_tokens} limit={st.max_total_tokens} format={count} testid="meter-tokens" />
          <Meter label="cost" used={spend.cost_usd} limit={st.max_total_cost_usd} format={usd} testid="meter-cost" />
          <Meter label="model calls" used={spend.calls + (spend.root_calls ?? 0)} limit={st.max_total_calls} format={count} testid="meter-calls" />
        </div>
        <p class="muted small">
          {count(spend.executions)} executions so far. Per execution:{' '}
          {[
            st.max_steps != null && `${st.max_steps} steps`,
            st.max_subcalls != null && `${st.max_subcalls} subcalls`,
            st.max_depth != null && `depth ${st.max_depth}`,
            st.timeout_secs != null && `${st.timeout_secs} s`,
          ]
            .filter(Boolean)
            .join(' · ') || 'server defaults'}
          .
        </p>
      </section>

      <form class="ask" onSubmit={submit}>
        <label for="question">Ask</label>
        <textarea
          id="question"
          rows={3}
          value={question}
          placeholder={DEMO_QUESTION}
          onInput={(e) => setQuestion((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
          }}
        />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={asking || !question.trim()}>
            {asking ? 'Starting…' : 'Ask'}
          </button>
          <button type="button" onClick={() => setQuestion(DEMO_QUESTION)}>
            Use the demo question
          </button>
          <span class="muted small">Ctrl+Enter asks</span>
        </div>
        {askError && <div class="note note-error" role="alert">{askError}</div>}
      </form>

      <section aria-label="Executions">
        <h2>Executions</h2>
        {executions.length === 0 ? (
          <p class="muted">None yet.</p>
        ) : (
          <ul class="exec-list">
            {executions.map((x) => (
              <li key={x.id}>
                <a href={`/executions/${x.id}`} onClick={linkClick}>
                  <span class={`status-pill status-${x.status}`}>{x.status}</span>
                  <span class="q">{oneLine(x.user_query, 100)}</span>
                  <span class="muted">
                    {count(x.total_input_tokens + x.total_output_tokens)} tok · {usd(x.total_cost_usd)} · {ms(x.latency_ms)}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}
