// The execution tree as the page knows it, built from the SSE frames of one
// execution (live, or replayed from its stored trace): one node per trace
// span (runs, root-model steps, programs, subcalls), nested as the spans are,
// with the root model's reply text appended token by token to the step that
// is streaming. Pure and incremental: `apply` changes only what a frame
// touches and bumps `version`, so the view re-renders at most once a frame.
import type { Execution } from './api';

export type Kind = 'run' | 'model_call' | 'program' | 'subcall';
export type Status = 'running' | 'ok' | 'error' | 'cancelled' | 'timeout' | 'budget_exceeded';

export interface Note {
  kind: 'budget' | 'error' | 'retry';
  text: string;
  /** `soft_limit` / `hard_stop` for budgets; whether an error ended the span. */
  level?: string;
}

export interface TNode {
  id: number;
  parentId: number | null;
  kind: Kind;
  status: Status;
  /** Microseconds since the epoch. */
  start: number;
  end: number | null;
  children: TNode[];
  /** Depth of the run this span belongs to (0: the root run). */
  runDepth: number;
  model: string;
  // run
  query?: string;
  answer?: string;
  iterations?: number;
  // model_call (a root step)
  iteration?: number;
  prompt?: string;
  reply: string;
  // program
  code?: string;
  stdout?: string;
  error?: string;
  fuel?: number;
  memoryBytes?: number;
  // subcall
  batchIndex?: number;
  cached: boolean;
  deduped: boolean;
  retries: number;
  inTokens: number;
  outTokens: number;
  cost: number;
  latencyMs: number | null;
  notes: Note[];
}

/** Counts over the whole tree, kept as frames arrive. */
export interface Totals {
  steps: number;
  programs: number;
  subcalls: number;
  subcallsDone: number;
  subcallsFailed: number;
  cached: number;
  deduped: number;
  retried: number;
  subRuns: number;
  /** Tokens and cost of the model calls finished so far (root steps at any
   * depth, and subcalls that ran no run of their own: a sub-RLM's calls are
   * counted as themselves), so a running execution's header moves. */
  inTokens: number;
  outTokens: number;
  cost: number;
  /** When the first frame's span started (ms since the epoch), for the
   * elapsed time while it runs. */
  startedAt: number | null;
}

interface TraceEventData {
  seq: number;
  ts: number;
  span_id: number;
  parent_span_id?: number | null;
  kind: { type: string; [field: string]: unknown };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function outcome(v: unknown): Status {
  switch (v) {
    case 'ok':
    case 'error':
    case 'cancelled':
    case 'timeout':
    case 'budget_exceeded':
      return v;
    default:
      return 'error';
  }
}

export class TraceModel {
  executionId: string | null = null;
  query = '';
  model = '';
  /** pending, running, completed, failed, cancelled, interrupted. */
  status = 'pending';
  execution: Execution | null = null;
  /** Why the execution failed, as the server says it. */
  error: string | null = null;
  root: TNode | null = null;
  readonly nodes = new Map<number, TNode>();
  totals: Totals = {
    steps: 0,
    programs: 0,
    subcalls: 0,
    subcallsDone: 0,
    subcallsFailed: 0,
    cached: 0,
    deduped: 0,
    retried: 0,
    subRuns: 0,
    inTokens: 0,
    outTokens: 0,
    cost: 0,
    startedAt: null,
  };
  /** Bumped on every change. */
  version = 0;
  /** Frames applied (the last SSE id seen + 1 on a well-formed stream). */
  frames = 0;
  /** Whether root-model tokens arrived (a replayed trace has none). */
  sawTokens = false;
  /** The step whose reply is streaming. */
  private streaming: TNode | null = null;

  get ended(): boolean {
    return !['pending', 'running'].includes(this.status);
  }

  /** The final answer: the root run's, else the execution's. */
  get answer(): string | null {
    return this.root?.answer ?? this.execution?.final_result ?? null;
  }

  /** Applies one SSE frame (`event` name, `data` payload). Unknown frames are ignored. */
  apply(event: string, data: unknown): void {
    this.frames += 1;
    const d = (data ?? {}) as Record<string, unknown>;
    switch (event) {
      case 'execution_start':
        this.executionId = str(d.execution_id) || this.executionId;
        this.query = str(d.user_query);
        this.model = str(d.model);
        this.status = 'running';
        break;
      case 'token':
        this.token(str(d.text));
        break;
      case 'complete':
        this.finish(d as unknown as Execution, null);
        break;
      case 'error':
        this.finish((d.execution ?? null) as Execution | null, str(d.error) || 'the execution failed');
        break;
      default:
        if (d && typeof d === 'object' && 'span_id' in d && 'kind' in d) this.traceEvent(d as unknown as TraceEventData);
        else return;
    }
    this.version += 1;
  }

  private finish(execution: Execution | null, error: string | null): void {
    if (execution && typeof execution === 'object' && 'status' in execution) {
      this.execution = execution;
      this.status = execution.status;
      this.error = execution.error_message ?? error;
    } else {
      this.status = 'failed';
      this.error = error;
    }
    this.streaming = null;
  }

  private token(text: string): void {
    this.sawTokens = true;
    const step = this.streaming;
    if (step && step.status === 'running') step.reply += text;
  }

  private traceEvent(e: TraceEventData): void {
    const k = e.kind;
    const node = this.nodes.get(e.span_id);
    switch (k.type) {
      case 'run_started':
      case 'model_call_started':
      case 'program_started':
      case 'subcall_started':
        this.open(e);
        return;
      case 'run_finished':
        if (!node) return;
        this.close(node, e);
        node.iterations = num(k.iterations);
        this.usage(node, k);
        node.latencyMs = num(k.duration_ms);
        return;
      case 'model_call_finished':
      case 'subcall_finished':
        if (!node) return;
        this.close(node, e);
        this.usage(node, k);
        if (!node.children.some((c) => c.kind === 'run')) {
          this.totals.inTokens += node.inTokens;
          this.totals.outTokens += node.outTokens;
          this.totals.cost += node.cost;
        }
        node.latencyMs = num(k.latency_ms);
        node.cached = k.cached === true;
        node.deduped = k.deduped === true;
        if (typeof k.error === 'string') node.error = k.error;
        if (node.kind === 'model_call') {
          // A replayed trace has no tokens: the stored reply stands in.
          if (!node.reply) node.reply = str(k.response_preview);
          if (this.streaming === node) this.streaming = null;
        } else {
          node.reply = str(k.response_preview);
          this.totals.subcallsDone += 1;
          if (node.status !== 'ok') this.totals.subcallsFailed += 1;
          if (node.cached) this.totals.cached += 1;
          if (node.deduped) this.totals.deduped += 1;
        }
        return;
      case 'program_finished':
        if (!node) return;
        this.close(node, e);
        node.stdout = str(k.stdout);
        if (typeof k.error === 'string') node.error = k.error;
        node.fuel = num(k.fuel_used);
        node.memoryBytes = num(k.memory_bytes);
        node.latencyMs = num(k.duration_ms);
        return;
      case 'retry':
        if (!node) return;
        node.retries += 1;
        if (node.retries === 1) this.totals.retried += 1;
        node.notes.push({ kind: 'retry', text: `retry ${num(k.attempt)}: ${str(k.reason)} (waited ${num(k.delay_ms)} ms)`, level: str(k.reason) });
        return;
      case 'budget':
        if (!node) return;
        node.notes.push({ kind: 'budget', text: str(k.message) || `${str(k.budget)}: ${num(k.used)} of ${num(k.limit)}`, level: str(k.level) });
        return;
      case 'error':
        if (!node) return;
        node.notes.push({ kind: 'error', text: str(k.message), level: k.fatal === true ? 'fatal' : 'note' });
        return;
      case 'final_answer':
        if (node) node.answer = str(k.answer);
        return;
    }
  }

  private open(e: TraceEventData): void {
    if (this.nodes.has(e.span_id)) return; // a replay overlapping a live stream
    const k = e.kind;
    if (this.totals.startedAt === null) this.totals.startedAt = e.ts;
    const parent = e.parent_span_id != null ? (this.nodes.get(e.parent_span_id) ?? null) : null;
    const kind = k.type.replace('_started', '') as Kind;
    const node: TNode = {
      id: e.span_id,
      parentId: parent ? parent.id : null,
      kind,
      status: 'running',
      start: e.ts,
      end: null,
      children: [],
      runDepth: kind === 'run' ? num(k.depth) : (parent?.runDepth ?? 0),
      model: str(k.model),
      reply: '',
      cached: false,
      deduped: false,
      retries: 0,
      inTokens: 0,
      outTokens: 0,
      cost: 0,
      latencyMs: null,
      notes: [],
    };
    switch (kind) {
      case 'run':
        node.query = str(k.query);
        if (parent) this.totals.subRuns += 1;
        break;
      case 'model_call':
        node.iteration = num(k.iteration);
        node.prompt = str(k.prompt_preview);
        this.totals.steps += 1;
        this.streaming = node;
        break;
      case 'program':
        node.iteration = num(k.iteration);
        node.code = str(k.code);
        this.totals.programs += 1;
        break;
      case 'subcall':
        node.prompt = str(k.prompt_preview);
        if (typeof k.batch_index === 'number') node.batchIndex = k.batch_index;
        this.totals.subcalls += 1;
        break;
    }
    this.nodes.set(node.id, node);
    if (parent) parent.children.push(node);
    else if (!this.root && kind === 'run') this.root = node;
  }

  private close(node: TNode, e: TraceEventData): void {
    node.status = outcome(e.kind.outcome);
    node.end = e.ts;
  }

  private usage(node: TNode, k: Record<string, unknown>): void {
    const u = (k.usage ?? {}) as Record<string, unknown>;
    node.inTokens = num(u.prompt_tokens);
    node.outTokens = num(u.completion_tokens);
    node.cost = num(k.cost_usd);
  }
}
