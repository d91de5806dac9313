// Executions the page is watching, by id: each is a TraceModel fed by one SSE
// stream (the POST that asked the question, or an attach to
// /api/executions/{id}/events), shared by every view of that execution, with
// listeners told of changes at most once per animation frame.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api';
import { readFrames } from './sse';
import { TraceModel } from './trace';

export class LiveExecution {
  readonly model = new TraceModel();
  /** Why the stream could not be read (null while it is fine). */
  streamError: string | null = null;
  streamEnded = false;
  private listeners = new Set<() => void>();
  private frame = 0;

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** Coalesces changes: listeners run once per animation frame at most. */
  changed(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.listeners.forEach((f) => f());
    });
  }

  async feed(response: Response, onStart?: (id: string) => void): Promise<void> {
    let started = false;
    try {
      await readFrames(response, (f) => {
        this.model.apply(f.event, f.data);
        if (!started && this.model.executionId) {
          started = true;
          onStart?.(this.model.executionId);
        }
        this.changed();
      });
    } catch (e) {
      this.streamError = `the stream broke: ${(e as Error).message}`;
    }
    this.streamEnded = true;
    if (!this.model.ended && !this.streamError) this.streamError = 'the stream ended before the execution did';
    this.changed();
  }
}

const watched = new Map<string, LiveExecution>();

/** Asks a question in a session; resolves with the execution id once the stream has started. */
export async function ask(sessionId: string, query: string): Promise<string> {
  const response = await api.executeStream(sessionId, query);
  const live = new LiveExecution();
  return new Promise<string>((resolve, reject) => {
    live
      .feed(response, (id) => {
        watched.set(id, live);
        resolve(id);
      })
      .then(() => {
        if (!live.model.executionId) reject(new Error(live.streamError ?? 'the server sent no execution'));
      });
  });
}

async function attach(id: string, live: LiveExecution): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const response = await api.events(id);
      await live.feed(response);
      return;
    } catch (e) {
      // 429: the execution is between its record and its live log; retry shortly.
      if (e instanceof ApiError && e.status === 429) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      live.streamError = e instanceof Error ? e.message : String(e);
      live.streamEnded = true;
      live.changed();
      return;
    }
  }
}

/** The execution `id`, attached once and shared. */
export function watch(id: string): LiveExecution {
  return watched.get(id) ?? reattach(id);
}

/** Attaches anew (after the stream broke): the events so far, then live ones. */
export function reattach(id: string): LiveExecution {
  const live = new LiveExecution();
  watched.set(id, live);
  void attach(id, live);
  return live;
}

/** Re-renders the caller when `live` changes; returns its model's version. */
export function useLive(live: LiveExecution): number {
  const [, setTick] = useState(0);
  useEffect(() => live.subscribe(() => setTick((t) => t + 1)), [live]);
  return live.model.version;
}
