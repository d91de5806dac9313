// Creates a session: a name, a context pasted as text and/or files dropped
// (each file one document), the models, and budgets per execution and for
// the whole session.
import { useState } from 'preact/hooks';
import { api, type SessionSettings } from '../api';
import { bytes } from '../format';
import { navigate } from '../router';

type Field = { key: keyof SessionSettings; label: string; hint: string; float?: boolean };

const PER_EXECUTION: Field[] = [
  { key: 'max_steps', label: 'steps', hint: 'root-model steps' },
  { key: 'max_subcalls', label: 'subcalls', hint: 'sub-model calls' },
  { key: 'max_depth', label: 'depth', hint: 'sub-RLM depth (0–10)' },
  { key: 'timeout_secs', label: 'seconds', hint: 'wall time' },
];
const PER_SESSION: Field[] = [
  { key: 'max_total_tokens', label: 'tokens', hint: 'across executions' },
  { key: 'max_total_cost_usd', label: 'dollars', hint: 'across executions', float: true },
  { key: 'max_total_calls', label: 'model calls', hint: 'root and sub, across executions' },
];

export function NewSession({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [model, setModel] = useState('');
  const [subModel, setSubModel] = useState('');
  const [limits, setLimits] = useState<Record<string, string>>({});
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const addFiles = (list: FileList | null) => {
    if (list) setFiles((old) => [...old, ...Array.from(list)]);
  };

  const settings = (): SessionSettings | string => {
    const s: SessionSettings = {};
    if (model.trim()) s.model = model.trim();
    if (subModel.trim()) s.sub_model = subModel.trim();
    for (const f of [...PER_EXECUTION, ...PER_SESSION]) {
      const raw = (limits[f.key] ?? '').trim();
      if (!raw) continue;
      const v = Number(raw);
      if (!Number.isFinite(v) || v < 0 || (!f.float && !Number.isInteger(v))) return `${f.label} (${f.hint}) must be a ${f.float ? 'number' : 'whole number'} ≥ 0`;
      (s as Record<string, number>)[f.key] = v;
    }
    return s;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const s = settings();
    if (typeof s === 'string') return setError(s);
    if (!text && files.length === 0) return setError('Paste a text or drop files: the session needs a context.');
    setBusy(true);
    setError(null);
    try {
      const session = files.length
        ? await api.uploadSession(name.trim(), s, files, text || undefined)
        : await api.createSession({ name: name.trim() || undefined, context: text, settings: s });
      onCreated();
      navigate(`/sessions/${session.id}`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const limitInput = (f: Field) => (
    <label class="limit" key={f.key}>
      <span>{f.label}</span>
      <input
        name={f.key}
        inputMode={f.float ? 'decimal' : 'numeric'}
        placeholder="none"
        value={limits[f.key] ?? ''}
        title={f.hint}
        onInput={(e) => setLimits({ ...limits, [f.key]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );

  return (
    <form class="new-session" onSubmit={submit} aria-label="New session">
      <h1>New session</h1>
      <label class="field">
        <span>Name</span>
        <input name="name" value={name} placeholder="e.g. service logs" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Context: paste text</span>
        <textarea name="context" rows={6} value={text} placeholder="Paste the text the model should explore…" onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div
        class={`drop${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          addFiles(e.dataTransfer?.files ?? null);
        }}
      >
        <span>…or drop files here (each file is one document), or</span>
        <label class="file-button">
          choose files
          <input type="file" multiple name="files" onChange={(e) => addFiles((e.target as HTMLInputElement).files)} />
        </label>
        {files.length > 0 && (
          <ul class="files">
            {files.map((f, i) => (
              <li key={`${f.name}-${i}`}>
                {f.name} <span class="muted">{bytes(f.size)}</span>
                <button type="button" class="link" aria-label={`remove ${f.name}`} onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <fieldset>
        <legend>Models</legend>
        <label class="field inline">
          <span>root</span>
          <input name="model" value={model} placeholder="server default (e.g. scripted, openai:gpt-5-mini)" onInput={(e) => setModel((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field inline">
          <span>sub-model</span>
          <input name="sub_model" value={subModel} placeholder="server default" onInput={(e) => setSubModel((e.target as HTMLInputElement).value)} />
        </label>
      </fieldset>
      <fieldset>
        <legend>Budget per execution</legend>
        <div class="limits">{PER_EXECUTION.map(limitInput)}</div>
      </fieldset>
      <fieldset>
        <legend>Budget for the whole session</legend>
        <div class="limits">{PER_SESSION.map(limitInput)}</div>
      </fieldset>
      {error && <div class="note note-error" role="alert">{error}</div>}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create session'}
      </button>
    </form>
  );
}
