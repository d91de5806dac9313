// The page's frame: top bar (navigation, theme), the sessions sidebar, the
// routed view, and the API-key prompt when the server asks for one.
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { api, onUnauthorized, setToken, token, type Session } from '../api';
import { bytes, usd } from '../format';
import { linkClick, useRoute } from '../router';
import { Dashboard } from './Dashboard';
import { ExecutionView } from './ExecutionView';
import { NewSession } from './NewSession';
import { SessionView } from './SessionView';

type Theme = 'system' | 'light' | 'dark';

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('rlm.theme') as Theme) || 'system');
  // Before the browser paints: the button's label and the colours change together.
  useLayoutEffect(() => {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
    localStorage.setItem('rlm.theme', theme);
  }, [theme]);
  const next = () => setTheme((t) => (t === 'system' ? 'light' : t === 'light' ? 'dark' : 'system'));
  return [theme, next];
}

export function App() {
  const route = useRoute();
  const [theme, nextTheme] = useTheme();
  const [sessions, setSessions] = useState<Session[]>([]);
  const [needKey, setNeedKey] = useState(false);
  const [listError, setListError] = useState<string | null>(null);

  const refresh = async () => {
    try {
      setSessions((await api.sessions()).sessions);
      setListError(null);
    } catch (e) {
      setListError((e as Error).message);
    }
  };
  useEffect(() => onUnauthorized(() => setNeedKey(true)), []);
  useEffect(() => {
    void refresh();
  }, []);

  const current = route.page === 'session' ? route.id : null;
  return (
    <div class="app">
      <header class="topbar">
        <a href="/" class="brand" onClick={linkClick}>
          rlm
        </a>
        <nav aria-label="Main">
          <a href="/" onClick={linkClick} aria-current={route.page === 'home' ? 'page' : undefined}>
            New session
          </a>
          <a href="/dashboard" onClick={linkClick} aria-current={route.page === 'dashboard' ? 'page' : undefined}>
            Dashboard
          </a>
        </nav>
        <button type="button" class="theme" onClick={nextTheme} title="Colour theme: system, light or dark" aria-label={`Theme: ${theme}`}>
          {theme === 'dark' ? '☾ dark' : theme === 'light' ? '☀ light' : '◐ system'}
        </button>
      </header>
      {needKey && (
        <KeyPrompt
          onDone={() => {
            setNeedKey(false);
            location.reload();
          }}
        />
      )}
      <div class="layout">
        <aside class="sidebar" aria-label="Sessions">
          <h2>Sessions</h2>
          {listError && <p class="note note-error small">{listError}</p>}
          {sessions.length === 0 && !listError && <p class="muted small">No session yet.</p>}
          <ul>
            {sessions.map((s) => (
              <li key={s.id}>
                <a href={`/sessions/${s.id}`} onClick={linkClick} aria-current={s.id === current ? 'page' : undefined}>
                  <span class="name">{s.name || 'Untitled'}</span>
                  <span class="muted small">
                    {typeof s.context_metadata?.bytes === 'number' ? bytes(s.context_metadata.bytes) : ''} · {s.spend.executions} run{s.spend.executions === 1 ? '' : 's'} · {usd(s.spend.cost_usd)}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </aside>
        <main id="main">
          {route.page === 'home' && <NewSession onCreated={refresh} />}
          {route.page === 'session' && <SessionView key={route.id} id={route.id} onChanged={refresh} />}
          {route.page === 'execution' && <ExecutionView key={route.id} id={route.id} onEnded={refresh} />}
          {route.page === 'dashboard' && <Dashboard />}
          {route.page === 'missing' && <p class="note note-error">No page at {route.path}.</p>}
        </main>
      </div>
    </div>
  );
}

function KeyPrompt({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState(token() ?? '');
  return (
    <form
      class="key-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim() || null);
        onDone();
      }}
    >
      <label>
        This server needs an API key (kept in this browser only):{' '}
        <input type="password" value={value} autoComplete="off" onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" class="primary">
        Use key
      </button>
    </form>
  );
}
