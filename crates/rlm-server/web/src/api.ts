// The HTTP API of `rlm serve` as the page uses it: the JSON shapes (from
// crates/rlm-server/src/shapes.rs) and one fetch wrapper that adds the bearer
// token and turns every non-2xx answer into an ApiError with the server's
// `detail` message.

export interface SessionSettings {
  model?: string | null;
  sub_model?: string | null;
  max_steps?: number | null;
  max_subcalls?: number | null;
  max_depth?: number | null;
  timeout_secs?: number | null;
  max_total_tokens?: number | null;
  max_total_cost_usd?: number | null;
  max_total_calls?: number | null;
}

export interface Spend {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** Sub-model calls. */
  calls: number;
  /** Root-model calls (with `calls`, what `max_total_calls` caps). */
  root_calls: number;
  executions: number;
}

export interface Session {
  id: string;
  name: string | null;
  context_metadata: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  memory_count: number;
  settings: SessionSettings;
  spend: Spend;
  history_turns: number;
}

export interface Execution {
  id: string;
  session_id: string | null;
  user_query: string;
  context_size: number;
  status: string;
  started_at: string | null;
  completed_at: string | null;
  total_input_tokens: number;
  total_output_tokens: number;
  total_cost_usd: number;
  final_result: string | null;
  error_message: string | null;
  model: string;
  finish: string | null;
  steps: number;
  subcalls: number;
  cache_hits: number;
  retries: number;
  latency_ms: number | null;
  job_id: string | null;
}

export interface TimeBucket {
  start: string;
  executions: number;
  completed: number;
  failed: number;
  tokens: number;
  cost_usd: number;
}

export interface UsageStats {
  total_executions: number;
  total_input_tokens: number;
  total_output_tokens: number;
  total_cost_usd: number;
  average_cost_per_execution: number;
  executions_by_status: Record<string, number>;
  outcomes: Record<string, number>;
  latency: { count: number; p50_ms: number; p95_ms: number; p99_ms: number };
  total_subcalls: number;
  cache_hits: number;
  cache_hit_rate: number | null;
  total_retries: number;
  per_session: { session_id: string; executions: number; input_tokens: number; output_tokens: number; cost_usd: number }[];
  timeline: { bucket_secs: number; buckets: TimeBucket[] };
}

/** A refused or failed request, with the server's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'rlm.token';

export function token(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(value: string | null): void {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Listeners told when the server asks for a token (401). */
const unauthorized = new Set<() => void>();
export function onUnauthorized(f: () => void): () => void {
  unauthorized.add(f);
  return () => unauthorized.delete(f);
}

/** fetch() with the token; a non-2xx answer throws ApiError. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const t = token();
  if (t) headers.set('authorization', `Bearer ${t}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (e) {
    throw new ApiError(0, `the server did not answer (${(e as Error).message})`);
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    let code: string | undefined;
    try {
      const body = await response.json();
      if (typeof body?.detail === 'string') detail = body.detail;
      if (typeof body?.code === 'string') code = body.code;
    } catch {
      /* not JSON: keep the status line */
    }
    if (response.status === 401) unauthorized.forEach((f) => f());
    throw new ApiError(response.status, detail, code);
  }
  return response;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await request(path, init)).json() as Promise<T>;
}

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export const api = {
  sessions: () => json<{ sessions: Session[]; total: number }>('/api/sessions?limit=200'),
  session: (id: string) => json<Session>(`/api/sessions/${id}`),
  createSession: (body: { name?: string; context?: string; settings?: SessionSettings }) =>
    json<Session>('/api/sessions', post(body)),
  /** Files as documents (multipart), with an optional pasted text as one more. */
  uploadSession: (name: string, settings: SessionSettings, files: File[], text?: string) => {
    const form = new FormData();
    if (name) form.append('name', name);
    form.append('settings', JSON.stringify(settings));
    if (text) form.append('context', text);
    for (const f of files) form.append('files', f, f.name);
    return json<Session>('/api/sessions', { method: 'POST', body: form });
  },
  deleteSession: (id: string) => request(`/api/sessions/${id}`, { method: 'DELETE' }),
  executions: (sessionId?: string, limit = 50) =>
    json<{ executions: Execution[]; total: number }>(
      `/api/executions?limit=${limit}${sessionId ? `&session_id=${sessionId}` : ''}`,
    ),
  execution: (id: string) => json<Execution>(`/api/executions/${id}`),
  cancel: (id: string) => json<Execution>(`/api/executions/${id}/cancel`, { method: 'POST' }),
  stats: () => json<UsageStats>('/api/stats'),
  metrics: async () => (await request('/metrics')).text(),
  /** Starts an execution; the answer is its SSE stream. */
  executeStream: (sessionId: string, query: string, signal?: AbortSignal) =>
    request('/api/execute/stream', { ...post({ session_id: sessionId, user_query: query }), signal }),
  /** Attaches to an execution's stream (live, or replayed from its stored trace). */
  events: (id: string, signal?: AbortSignal) => request(`/api/executions/${id}/events`, { signal }),
};
