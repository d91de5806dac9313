// Drives the RLM Engine's own React frontend (built unchanged) against `rlm serve`
// in headless Chromium: dashboard, sessions, session detail with memory, a new
// execution through the form, and the execution detail with its tree.
// Env: API (the server), SID (a session named `engine-check` with one `memory`
// key, `favourite`, and one completed execution), UI (where the built frontend
// is served). First, whatever UI says, the calls the frontend's pages make are
// checked against what each page shows from them (run by
// crates/rlm-cli/tests/cluster_browser.rs against an `api` + 3 `worker`s).
// The page steps need the frontend built: it is the RLM Engine's, not in this
// repository, so without UI they are skipped (and say so); nothing else is.
import { createRequire } from 'node:module';

const UI = process.env.UI, API = process.env.API;
const sid = process.env.SID;
if (!API || !sid) throw new Error('API and SID must be set');
const problems = [];
const step = (s) => console.log('ok:', s);
function check(cond, what, detail = '') {
  if (!cond) throw new Error(`check failed: ${what}${detail ? `\n${detail}` : ''}`);
  step(what);
}
async function api(path, init) {
  const r = await fetch(`${API}${path}`, init);
  if (!r.ok) {
    problems.push(`${r.status} ${API}${path}`);
    throw new Error(`${path}: ${r.status} ${await r.text()}`);
  }
  return r.json();
}
const DEMO = 'Which service logged the most errors, and what is the vault passphrase?';
const nodes = (n) => (n ? [n, ...n.children.flatMap(nodes)] : []);

// ── The API behind each page ────────────────────────────────────────────
const stats = await api('/api/stats');
const completedBefore = stats.executions_by_status?.completed ?? 0;
check(stats.total_executions >= 1 && completedBefore === stats.total_executions, `dashboard data: ${stats.total_executions} executions, 100% success`, JSON.stringify(stats.executions_by_status));
const listed = await api('/api/sessions');
check(listed.sessions.some((s) => s.id === sid && s.name === 'engine-check'), 'sessions list data: the session is listed');
const session = await api(`/api/sessions/${sid}`);
const memory = await api(`/api/sessions/${sid}/memory`);
const executions = await api(`/api/executions?session_id=${sid}`);
check(session.context_metadata?.size > 0 && session.memory_count === 1 && 'favourite' in memory.memory && executions.executions.length === 1,
  'session detail data: context size, memory (1 key: favourite), executions (1)', JSON.stringify({ meta: session.context_metadata, memory, n: executions.executions.length }));
const done = await api('/api/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: sid, user_query: DEMO }) });
check(done.status === 'completed' && done.final_result.includes('the vault passphrase is amber-falcon-42'), 'new execution data: the answer', JSON.stringify(done));
const detail = await api(`/api/executions/${done.id}`);
const tree = await api(`/api/executions/${done.id}/tree`);
const children = nodes(tree.tree).filter((n) => (n.prompt ?? '').startsWith('Find the vault passphrase'));
check(detail.id === done.id && children.length === 6 && tree.total_nodes === nodes(tree.tree).length, `execution detail data: the tree (root + ${children.length} children of ${tree.total_nodes} nodes)`);
const after = await api('/api/stats');
check(after.total_executions === stats.total_executions + 1, `the stats count the new execution (${after.total_executions})`);

// ── The frontend's pages ────────────────────────────────────────────────
if (!UI) {
  console.log('skipped: the page steps (UI is not set: the RLM Engine frontend is not built here)');
} else {
  // playwright-core from the working directory's node_modules (crates/rlm-server/web).
  const { chromium } = createRequire(`${process.cwd()}/`)('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.RLM_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage();
  page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', e => problems.push('pageerror: ' + e.message));
  page.on('response', r => { if (r.url().includes('/api/') && r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
  const shown = await api('/api/stats');
  const ran = (await api(`/api/executions?session_id=${sid}`)).executions.length;

  await page.goto(`${UI}/`);
  await page.getByText('Total Executions').waitFor();
  await page.locator(`text=${shown.total_executions}`).first().waitFor();
  await page.getByText('Success Rate').waitFor();
  await page.getByText('100%').waitFor();
  step(`dashboard shows ${shown.total_executions} executions, 100% success, recent list`);

  await page.goto(`${UI}/sessions`);
  await page.getByText('engine-check').first().waitFor();
  step('sessions list shows the session');

  await page.goto(`${UI}/sessions/${sid}`);
  await page.getByText('Memory (1 keys)').waitFor();
  await page.getByText('favourite').waitFor();
  await page.getByText('characters').first().waitFor();
  await page.getByText(`Executions (${ran})`).waitFor();
  step('session detail: context size, hash, memory, executions');

  await page.goto(`${UI}/new?session=${sid}`);
  await page.locator('textarea').first().fill(DEMO);
  await page.locator('select').first().selectOption(sid);
  await page.getByRole('button', { name: 'Run Execution' }).click();
  await page.waitForURL(/\/executions\/[0-9a-f-]+$/, { timeout: 60000 });
  await page.getByText('Final Result').waitFor();
  await page.getByText('the vault passphrase is amber-falcon-42').first().waitFor();
  await page.getByText('Root Agent').waitFor();
  await page.getByText('Child #6').waitFor();
  await page.getByText('Generated Code').waitFor();
  await page.getByText('Child #1').click();
  await page.getByText('Child Agent #1').waitFor();
  await page.getByText('Find the vault passphrase').first().waitFor();
  step('new execution through the form → execution detail: answer, tree (root + 6 children), code, a child node opened');

  await browser.close();
}
if (problems.length) { console.log('PROBLEMS:\n' + problems.join('\n')); process.exit(1); }
console.log('no console errors, no failed API request');
