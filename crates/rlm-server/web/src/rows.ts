// Flattens the visible part of an execution tree into rows for a virtualised
// list. A program's subcalls are folded into one group row when there are
// more than GROUP_AT of them (a 1,000-call llm_batch is one row until
// opened); runs, steps and programs start open, subcalls and groups folded.
import type { TNode } from './trace';

/** Subcalls of one program beyond this many are shown as a folded group. */
export const GROUP_AT = 12;

export interface GroupSummary {
  total: number;
  done: number;
  failed: number;
  cached: number;
  deduped: number;
  retried: number;
  inTokens: number;
  outTokens: number;
  cost: number;
}

export type Row =
  | { type: 'node'; key: string; node: TNode; level: number; open: boolean; openable: boolean; parentKey: string | null }
  | { type: 'group'; key: string; program: TNode; members: TNode[]; summary: GroupSummary; level: number; open: boolean; parentKey: string | null };

export const nodeKey = (n: TNode) => `n${n.id}`;
export const groupKey = (program: TNode) => `g${program.id}`;

/** Whether a row starts open when the user has not chosen. */
export function openByDefault(n: TNode): boolean {
  return n.kind !== 'subcall';
}

export function summarise(members: TNode[]): GroupSummary {
  const s: GroupSummary = { total: members.length, done: 0, failed: 0, cached: 0, deduped: 0, retried: 0, inTokens: 0, outTokens: 0, cost: 0 };
  for (const m of members) {
    if (m.status !== 'running') s.done += 1;
    if (m.status !== 'running' && m.status !== 'ok') s.failed += 1;
    if (m.cached) s.cached += 1;
    if (m.deduped) s.deduped += 1;
    if (m.retries > 0) s.retried += 1;
    s.inTokens += m.inTokens;
    s.outTokens += m.outTokens;
    s.cost += m.cost;
  }
  return s;
}

/**
 * The rows to show. `choices` holds the user's open/closed choice per row
 * key (absent: the default).
 */
export function flatten(root: TNode | null, choices: ReadonlyMap<string, boolean>): Row[] {
  const rows: Row[] = [];
  if (!root) return rows;
  const isOpen = (key: string, fallback: boolean) => choices.get(key) ?? fallback;

  const visit = (n: TNode, level: number, parentKey: string | null) => {
    const key = nodeKey(n);
    const openable = n.kind === 'subcall' || n.children.length > 0 || hasBody(n);
    const open = isOpen(key, openByDefault(n));
    rows.push({ type: 'node', key, node: n, level, open, openable, parentKey });
    if (!open) return;
    const subcalls = n.kind === 'program' ? n.children.filter((c) => c.kind === 'subcall') : [];
    const grouped = subcalls.length > GROUP_AT;
    let groupShown = false;
    for (const c of n.children) {
      if (grouped && c.kind === 'subcall') {
        if (groupShown) continue;
        groupShown = true;
        const gk = groupKey(n);
        const gOpen = isOpen(gk, false);
        rows.push({ type: 'group', key: gk, program: n, members: subcalls, summary: summarise(subcalls), level: level + 1, open: gOpen, parentKey: key });
        if (gOpen) for (const m of subcalls) visit(m, level + 2, gk);
        continue;
      }
      visit(c, level + 1, key);
    }
  };
  visit(root, 0, null);
  return rows;
}

/** Whether a node has something to show when open besides its children. */
function hasBody(n: TNode): boolean {
  switch (n.kind) {
    case 'run':
      return !!n.query || n.notes.length > 0;
    case 'model_call':
      return true;
    case 'program':
      return true;
    case 'subcall':
      return true;
  }
}
