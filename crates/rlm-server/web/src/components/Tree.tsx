// The execution tree: a virtualised list of rows (see rows.ts) with a
// keyboard model like a file tree (↑/↓ or j/k move, → opens or steps in,
// ← closes or steps out, Enter/Space toggles, Home/End). Open rows show what
// the node holds: the root model's reply (growing while it streams), a
// program with highlighting and its output, a subcall's prompt and answer,
// and errors and budget stops with the text the model saw.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useVirtual } from './useVirtual';
import { count, ms, oneLine, usd } from '../format';
import { highlightPython } from '../highlight';
import { flatten, type GroupSummary, type Row } from '../rows';
import type { Note, TNode, TraceModel } from '../trace';

function estimate(row: Row): number {
  if (row.type === 'group' || !row.open) return 34;
  switch (row.node.kind) {
    case 'program':
      return 220;
    case 'model_call':
      return 140;
    case 'subcall':
      return 180;
    default:
      return 80;
  }
}

export function Tree({ model, version }: { model: TraceModel; version: number }) {
  const [choices, setChoices] = useState<Map<string, boolean>>(() => new Map());
  const rows = useMemo(() => flatten(model.root, choices), [model, version, choices]);
  const [focused, setFocused] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtual({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => estimate(rows[i]),
    getItemKey: (i) => rows[i].key,
  });

  // While it runs, keep the newest row in view unless the reader took over.
  const running = !model.ended;
  useEffect(() => {
    if (follow && running && rows.length > 0) virtual.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows.length, version, follow, running]);

  const index = focused ? rows.findIndex((r) => r.key === focused) : -1;
  const toggle = (row: Row, open?: boolean) => {
    const next = new Map(choices);
    next.set(row.key, open ?? !row.open);
    setChoices(next);
  };
  const focusAt = (i: number) => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, i))];
    if (!row) return;
    setFocused(row.key);
    setFollow(false);
    virtual.scrollToIndex(rows.indexOf(row), { align: 'auto' });
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.target !== e.currentTarget) return; // typing in a field inside a row
    const row = index >= 0 ? rows[index] : undefined;
    const openable = row && (row.type === 'group' || row.openable);
    switch (e.key) {
      case 'ArrowDown':
      case 'j':
        focusAt(index + 1);
        break;
      case 'ArrowUp':
      case 'k':
        focusAt(index < 0 ? 0 : index - 1);
        break;
      case 'Home':
        focusAt(0);
        break;
      case 'End':
        focusAt(rows.length - 1);
        break;
      case 'ArrowRight':
        if (!row) focusAt(0);
        else if (openable && !row.open) toggle(row, true);
        else focusAt(index + 1);
        break;
      case 'ArrowLeft':
        if (!row) break;
        if (openable && row.open) toggle(row, false);
        else if (row.parentKey) focusAt(rows.findIndex((r) => r.key === row.parentKey));
        break;
      case 'Enter':
      case ' ':
        if (row && openable) toggle(row);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const items = virtual.getVirtualItems();
  return (
    <section class="tree-panel" aria-label="Execution tree">
      <div class="tree-tools">
        <span class="muted">
          {count(rows.length)} rows shown · {count(model.nodes.size)} spans
        </span>
        <label class="follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> follow live
        </label>
        <span class="muted keys">keys: ↑↓ move · → open · ← close · Enter toggle</span>
      </div>
      <div
        ref={scroller}
        class="tree"
        role="tree"
        tabIndex={0}
        aria-activedescendant={focused ? `row-${focused}` : undefined}
        onKeyDown={onKey}
        onWheel={() => setFollow(false)}
        data-testid="tree"
      >
        <div style={{ height: `${virtual.getTotalSize()}px`, position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index];
            return (
              <div
                key={row.key}
                data-index={item.index}
                ref={virtual.measureElement}
                class="row-slot"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {row.type === 'group' ? (
                  <GroupRow row={row} focused={row.key === focused} onToggle={() => { setFocused(row.key); toggle(row); }} />
                ) : (
                  <NodeRow row={row} focused={row.key === focused} onToggle={() => { setFocused(row.key); if (row.openable) toggle(row); }} />
                )}
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}

function Twisty({ open, openable }: { open: boolean; openable: boolean }) {
  return <span class="twisty" aria-hidden="true">{openable ? (open ? '▾' : '▸') : '·'}</span>;
}

function Spend({ n }: { n: TNode }) {
  if (n.status === 'running' && n.kind !== 'run') return <span class="spend muted">running…</span>;
  return (
    <span class="spend" title="input tokens / output tokens · cost · latency">
      {n.inTokens + n.outTokens > 0 && (
        <span class="tokens">
          {count(n.inTokens)}↑ {count(n.outTokens)}↓
        </span>
      )}
      <span class="cost">{usd(n.cost)}</span>
      <span class="latency">{ms(n.latencyMs)}</span>
    </span>
  );
}

function Flags({ n }: { n: TNode }) {
  return (
    <>
      {n.cached && <span class="flag cached">cached</span>}
      {n.deduped && <span class="flag deduped">deduped</span>}
      {n.retries > 0 && <span class="flag retried">retried ×{n.retries}</span>}
      {n.status !== 'running' && n.status !== 'ok' && <span class={`flag status-${n.status}`}>{n.status.replace('_', ' ')}</span>}
    </>
  );
}

function title(n: TNode): string {
  switch (n.kind) {
    case 'run':
      return n.runDepth === 0 ? `RLM run · ${n.model}` : `sub-RLM (depth ${n.runDepth}) · ${oneLine(n.query, 80)}`;
    case 'model_call':
      return `Step ${n.iteration ?? '?'} · ${n.model} reply`;
    case 'program':
      return `Program · step ${n.iteration ?? '?'}`;
    case 'subcall':
      return `${n.batchIndex != null ? `#${n.batchIndex} ` : ''}${oneLine(n.prompt, 90)}`;
  }
}

function NodeRow({ row, focused, onToggle }: { row: Extract<Row, { type: 'node' }>; focused: boolean; onToggle: () => void }) {
  const n = row.node;
  return (
    <div
      id={`row-${row.key}`}
      role="treeitem"
      aria-level={row.level + 1}
      aria-expanded={row.openable ? row.open : undefined}
      aria-selected={focused}
      class={`row kind-${n.kind} status-${n.status}${focused ? ' focused' : ''}`}
      data-kind={n.kind}
      data-status={n.status}
      data-span={n.id}
      style={{ '--level': row.level }}
    >
      <div class="row-head" onClick={onToggle}>
        <Twisty open={row.open} openable={row.openable} />
        <span class={`badge kind-${n.kind}`}>{n.kind === 'model_call' ? 'step' : n.kind === 'run' ? (n.runDepth ? 'sub-RLM' : 'run') : n.kind}</span>
        <span class="title">{title(n)}</span>
        {n.kind === 'subcall' && n.status !== 'running' && <span class="answer-preview">→ {oneLine(n.reply || n.error, 60)}</span>}
        {n.kind === 'model_call' && n.status === 'running' && <span class="live-dot" title="streaming" />}
        <Flags n={n} />
        <Spend n={n} />
      </div>
      {row.open && <Body n={n} />}
    </div>
  );
}

function Notes({ notes }: { notes: Note[] }) {
  return (
    <>
      {notes.map((note, i) => (
        <div key={i} class={`note note-${note.kind}`} role={note.kind === 'retry' ? undefined : 'alert'}>
          <strong>{note.kind === 'budget' ? (note.level === 'hard_stop' ? 'Budget stop' : 'Budget warning') : note.kind === 'error' ? 'Error' : 'Retry'}</strong>
          <pre>{note.text}</pre>
        </div>
      ))}
    </>
  );
}

function Body({ n }: { n: TNode }) {
  switch (n.kind) {
    case 'run':
      return (
        <div class="body">
          {n.runDepth > 0 && <Labelled label="Question">{n.query}</Labelled>}
          {n.answer != null && n.runDepth > 0 && <Labelled label="Answer">{n.answer}</Labelled>}
          <Notes notes={n.notes} />
        </div>
      );
    case 'model_call':
      return (
        <div class="body">
          <pre class={`reply${n.status === 'running' ? ' streaming' : ''}`} data-testid="reply">
            {n.reply}
          </pre>
          {n.error && <ErrorBox label="The model call failed" text={n.error} />}
          <Notes notes={n.notes} />
        </div>
      );
    case 'program':
      return (
        <div class="body">
          <pre class="code hljs">
            <code dangerouslySetInnerHTML={{ __html: highlightPython(n.code ?? '') }} />
          </pre>
          {n.status === 'running' ? (
            <div class="muted">running…</div>
          ) : (
            <>
              <Labelled label="Output">{n.stdout ? n.stdout : <span class="muted">(printed nothing)</span>}</Labelled>
              {n.error && <ErrorBox label="The program failed; the model was shown" text={n.error} />}
              <div class="muted small">
                fuel {count(n.fuel ?? 0)} · memory {count(n.memoryBytes ?? 0)} B · {ms(n.latencyMs)}
              </div>
            </>
          )}
          <Notes notes={n.notes} />
        </div>
      );
    case 'subcall':
      return (
        <div class="body">
          <div class="muted small">model {n.model}</div>
          <Labelled label="Prompt">{n.prompt}</Labelled>
          {n.status === 'running' ? <div class="muted">waiting for the answer…</div> : <Labelled label="Answer">{n.reply}</Labelled>}
          {n.error && <ErrorBox label="The subcall failed; the program got" text={n.error} />}
          <Notes notes={n.notes} />
        </div>
      );
  }
}

function Labelled({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return (
    <div class="labelled">
      <div class="label">{label}</div>
      <pre>{children}</pre>
    </div>
  );
}

function ErrorBox({ label, text }: { label: string; text: string }) {
  return (
    <div class="note note-error" role="alert">
      <strong>{label}</strong>
      <pre>{text}</pre>
    </div>
  );
}

function GroupRow({ row, focused, onToggle }: { row: Extract<Row, { type: 'group' }>; focused: boolean; onToggle: () => void }) {
  const s: GroupSummary = row.summary;
  const pct = s.total ? Math.round((s.done / s.total) * 100) : 0;
  return (
    <div
      id={`row-${row.key}`}
      role="treeitem"
      aria-level={row.level + 1}
      aria-expanded={row.open}
      aria-selected={focused}
      class={`row group${focused ? ' focused' : ''}`}
      data-kind="group"
      data-total={s.total}
      data-done={s.done}
      style={{ '--level': row.level }}
    >
      <div class="row-head" onClick={onToggle}>
        <Twisty open={row.open} openable />
        <span class="badge kind-subcall">batch</span>
        <span class="title">
          {count(s.total)} subcalls · {count(s.done)} done
          {s.failed > 0 && ` · ${count(s.failed)} failed`}
        </span>
        {s.cached > 0 && <span class="flag cached">{count(s.cached)} cached</span>}
        {s.deduped > 0 && <span class="flag deduped">{count(s.deduped)} deduped</span>}
        {s.retried > 0 && <span class="flag retried">{count(s.retried)} retried</span>}
        <span class="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
          <span style={{ width: `${pct}%` }} />
        </span>
        <span class="spend">
          <span class="tokens">
            {count(s.inTokens)}↑ {count(s.outTokens)}↓
          </span>
          <span class="cost">{usd(s.cost)}</span>
        </span>
      </div>
    </div>
  );
}
