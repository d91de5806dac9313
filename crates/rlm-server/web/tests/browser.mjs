// Browser checks of the page against a running `rlm serve` (started by
// crates/rlm-server/tests/web_browser.rs with the scripted model, paced):
// playwright-core drives Debian's headless Chromium. Each check prints
// "ok: ..."; any failure, console error, page error or failed API request
// exits non-zero. Env: RLM_BASE (server URL), RLM_CHROMIUM, RLM_PROFILE_DIR,
// optional RLM_WEB_SCREENSHOTS (dir) and RLM_WEB_TIMINGS (JSON file).
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const base = process.env.RLM_BASE;
const shots = process.env.RLM_WEB_SCREENSHOTS;
const timingsFile = process.env.RLM_WEB_TIMINGS;
const underFaults = process.env.RLM_WEB_UNDER_FAULTS === '1';
if (!base) throw new Error('RLM_BASE is not set');
const DEMO = 'Which service logged the most errors, and what is the vault passphrase?';

const deadline = setTimeout(() => {
  console.error('FAILED: the browser checks took longer than 300 s');
  process.exit(2);
}, 300_000);

function check(cond, what, detail = '') {
  if (!cond) throw new Error(`check failed: ${what}${detail ? `\n${detail}` : ''}`);
  console.log(`ok: ${what}`);
}
const digits = (s) => String(s ?? '').replace(/[^0-9]/g, '');
async function api(path, init) {
  const r = await fetch(base + path, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return path === '/metrics' ? r.text() : r.json();
}
async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
  console.log(`screenshot: ${name}.png`);
}

/** Creates a session over the API, opens it, asks `question`, and waits for the execution page. */
async function askInNewSession(page, session, question, beforeAsk = async () => {}) {
  const created = await api('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(session) });
  await page.goto(`${base}/sessions/${created.id}`);
  await page.locator('#question').fill(question);
  await beforeAsk();
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop();
}

const corpusDir = join(here, '../../../../examples/corpus');
const corpus = readdirSync(corpusDir)
  .sort()
  .map((f) => readFileSync(join(corpusDir, f), 'utf8'))
  .join('\n\n');

const problems = [];
const context = await chromium.launchPersistentContext(process.env.RLM_PROFILE_DIR, {
  executablePath: process.env.RLM_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
function watchProblems(page) {
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
}
async function newPage() {
  const p = await context.newPage();
  watchProblems(p);
  return p;
}

// In-page recorder: one snapshot of the execution view per animation frame
// (kept when it differs from the last), to check the states it went through.
function installRecorder() {
  const rec = { snaps: [], stop: false };
  window.__rec = rec;
  let last = '';
  const tick = () => {
    const q = (s) => document.querySelectorAll(s);
    const streaming = document.querySelector('.reply.streaming');
    const snap = {
      status: document.querySelector('[data-testid=status]')?.textContent ?? null,
      rows: q('[data-testid=tree] [role=treeitem]').length,
      steps: Number(document.querySelector('[data-testid=steps]')?.textContent ?? 0),
      streamingLen: streaming ? streaming.textContent.length : -1,
      programs: q('[data-kind=program]').length,
      runningPrograms: q('[data-kind=program][data-status=running]').length,
      runningSubcalls: q('[data-kind=subcall][data-status=running]').length,
      doneSubcalls: q('[data-kind=subcall][data-status=ok]').length,
      final: !!document.querySelector('[data-testid=final-answer]'),
    };
    const key = JSON.stringify(snap);
    if (key !== last) rec.snaps.push(snap);
    last = key;
    if (!rec.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

const timings = { date: new Date().toISOString() };
let current = null; // the page a failure is reported from
try {
  // ── 1. A session from pasted text ───────────────────────────────────────
  const page = await newPage();
  current = page;
  await page.goto(`${base}/`);
  await page.getByLabel('Name').fill('demo corpus');
  // As a paste does: the whole text in one input event (typing 214 KB through
  // the keyboard protocol, as fill() does, takes longer than the test).
  await page.locator('textarea[name=context]').evaluate((el, text) => {
    el.value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, corpus);
  await page.getByRole('button', { name: 'Create session' }).click();
  await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
  const sid = page.url().split('/').pop();
  await page.getByTestId('session').waitFor();
  const session = await api(`/api/sessions/${sid}`);
  check(session.context_metadata.size === [...corpus].length, 'the pasted corpus is the session context', JSON.stringify(session.context_metadata));
  check((await page.getByTestId('meter-tokens').textContent()).includes('0 (no limit)'), 'the spend meter starts at 0 with no limit');
  check(await page.getByRole('link', { name: /demo corpus/ }).isVisible(), 'the sidebar lists the new session');

  // ── 2. Ask the demo question and watch the tree grow ────────────────────
  await page.getByRole('button', { name: 'Use the demo question' }).click();
  await page.evaluate(installRecorder);
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/);
  const eid = page.url().split('/').pop();
  // The batch's six subcalls are in flight for 0.8 s (scripted delay). Under the
  // cluster's fault test (RLM_WEB_UNDER_FAULTS) a NATS restart or a database burst
  // may fall in those 0.8 s: the job then goes on from its checkpoint past them, or
  // their frames are lost on NATS and the api sends them late, from the stored trace.
  // There the page must still reach the answer; the live rows are checked when seen.
  const running = page.locator('[data-kind=subcall][data-status=running]').first();
  if (underFaults) {
    await Promise.race([
      running.waitFor({ timeout: 60_000 }),
      page.getByTestId('final-answer').waitFor({ timeout: 60_000 }),
    ]);
  } else {
    await running.waitFor({ timeout: 60_000 });
  }
  await shot(page, 'tree-mid-run');
  await page.getByTestId('final-answer').waitFor({ timeout: 60_000 });
  const snaps = await page.evaluate(() => {
    window.__rec.stop = true;
    return window.__rec.snaps;
  });
  const before = snaps.filter((s) => !s.final);
  const lens = new Set(before.filter((s) => s.streamingLen > 0).map((s) => s.streamingLen));
  check(lens.size >= 3, `the root reply arrived token by token (${lens.size} partial lengths seen)`, JSON.stringify([...lens]));
  check(before.some((s) => s.status === 'running' && s.rows >= 2), 'the tree showed rows while the execution ran');
  const sawRunning = before.some((s) => s.runningSubcalls === 6);
  if (underFaults && !sawRunning) {
    console.log('noted: the six running subcalls were not seen live (a fault fell in their 0.8 s)');
  } else {
    check(sawRunning, 'the six subcalls showed as running before they answered');
  }
  check(before.some((s) => s.steps === 2 && s.programs >= 1), 'a program appeared before the last step');
  check(snaps[0].rows < snaps[snaps.length - 1].rows, `the tree grew (${snaps[0].rows} → ${snaps[snaps.length - 1].rows} rows)`);
  const answer = await page.getByTestId('final-answer').textContent();
  check(answer.includes('billing logged the most errors (50)') && answer.includes('amber-falcon-42'), 'the final answer is on top', answer);
  check((await page.getByTestId('status').textContent()) === 'completed', 'the execution completed');
  check((await page.getByTestId('subcalls').textContent()).trim() === '6 / 6', 'six subcalls done');
  check((await page.locator('.code .hljs-keyword').count()) > 0, 'programs are syntax-highlighted');
  check((await page.locator('[data-kind=program]').first().textContent()).includes('chars in 1 documents'), "a program's output is shown");

  // Expand the subcall that found the passphrase.
  const sub = page.locator('[data-kind=subcall]', { hasText: 'amber-falcon-42' }).first();
  check((await sub.getAttribute('aria-expanded')) === 'false', 'subcalls are folded by default');
  await sub.locator('.row-head').click();
  check((await sub.getAttribute('aria-expanded')) === 'true', 'a click expands the subcall');
  const subText = await sub.textContent();
  check(subText.includes('Prompt') && subText.includes('Find the vault passphrase') && subText.includes('Answer'), 'the open subcall shows its prompt and answer');
  await shot(page, 'tree-finished');

  // Keyboard: Home focuses the run, ← folds it, → opens it again, ↓ moves.
  const tree = page.getByTestId('tree');
  await tree.focus();
  await page.keyboard.press('Home');
  const run = page.locator('[data-kind=run]').first();
  check((await run.getAttribute('aria-selected')) === 'true', 'Home focuses the root run');
  await page.keyboard.press('ArrowLeft');
  check((await run.getAttribute('aria-expanded')) === 'false' && (await page.locator('[role=treeitem]').count()) === 1, '← folds the run');
  await page.keyboard.press('ArrowRight');
  check((await run.getAttribute('aria-expanded')) === 'true', '→ opens it again');
  await page.keyboard.press('ArrowDown');
  check((await page.locator('[data-kind=model_call]').first().getAttribute('aria-selected')) === 'true', '↓ moves to the first step');
  await page.keyboard.press('Enter');
  check((await page.locator('[data-kind=model_call]').first().getAttribute('aria-expanded')) === 'false', 'Enter toggles the focused row');

  // Dark mode reads: the theme button switches the colours.
  await page.getByRole('button', { name: 'Theme: system' }).click();
  await page.getByRole('button', { name: 'Theme: light' }).click();
  await page.getByRole('button', { name: 'Theme: dark' }).waitFor();
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg === 'rgb(21, 22, 26)', `dark mode applies (${bg})`);
  await tree.focus();
  await page.keyboard.press('Enter'); // re-open the step for the screenshot
  await shot(page, 'tree-dark');
  await page.getByRole('button', { name: 'Theme: dark' }).click();
  await page.getByRole('button', { name: 'Theme: system' }).waitFor(); // back to the system's

  // ── 3. The shared link re-opens the finished execution from its trace ──
  const shared = await newPage();
  await shared.goto(`${base}/executions/${eid}`);
  await shared.getByTestId('final-answer').waitFor();
  check((await shared.getByTestId('final-answer').textContent()) === answer, 'the shared link shows the same answer');
  check((await shared.getByTestId('steps').textContent()) === '3' && (await shared.getByTestId('subcalls').textContent()).trim() === '6 / 6', 'and the same tree (3 steps, 6 subcalls)');
  await shared.getByTestId('tree').focus();
  await shared.keyboard.press('Home');
  check((await shared.locator('[data-testid=reply]').first().textContent()).includes('Let me look at the corpus first'), 'replies come from the stored trace');
  check(await shared.getByText('Re-opened from the stored trace').isVisible(), 'it says it was replayed');
  await shared.close();

  // ── 4. An error run, from dropped files, with budgets ───────────────────
  await page.goto(`${base}/`);
  await page.getByLabel('Name').fill('error session');
  await page.locator('input[type=file]').setInputFiles([
    { name: 'numbers.txt', mimeType: 'text/plain', buffer: Buffer.from('one two three\n') },
    { name: 'more.txt', mimeType: 'text/plain', buffer: Buffer.from('four five\n') },
  ]);
  check(await page.getByText('numbers.txt').isVisible(), 'chosen files are listed');
  await page.locator('input[name=max_steps]').fill('2');
  await page.locator('input[name=max_total_tokens]').fill('100000');
  await page.getByRole('button', { name: 'Create session' }).click();
  await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
  const errSid = page.url().split('/').pop();
  const errSession = await api(`/api/sessions/${errSid}`);
  check(errSession.context_metadata.documents === 2 && errSession.settings.max_steps === 2, 'the uploaded files are two documents; the budget is stored');
  await page.locator('#question').fill('DIVIDE BY ZERO, please');
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/);
  await page.waitForFunction(() => !['pending', 'running'].includes(document.querySelector('[data-testid=status]')?.textContent ?? 'pending'), null, { timeout: 60_000 });
  const errStatus = await page.getByTestId('status').textContent();
  const errBox = (await page.getByTestId('execution-error').textContent()) ?? '';
  check(errStatus === 'failed', `the error run failed (${errStatus})`);
  check(errBox.length > 30, 'the failure is stated plainly', errBox);
  const programError = page.locator('[data-kind=program] .note-error').first();
  const seen = await programError.textContent();
  check(seen.includes('the model was shown') && seen.includes('ZeroDivisionError'), 'the program error shows the message the model saw', seen);
  const notes = await page.locator('.note-budget, .note-error').allTextContents();
  console.log(`   the error run's notes: ${JSON.stringify(notes).slice(0, 600)}`);
  await shot(page, 'error-run');
  const errExec = await api(`/api/executions/${page.url().split('/').pop()}`);
  check(errBox.includes(errExec.error_message), "the page's message is the server's", `${errBox}\n${errExec.error_message}`);
  // The session's cumulative spend against its token budget.
  await page.goto(`${base}/sessions/${errSid}`);
  const spent = (await api(`/api/sessions/${errSid}`)).spend;
  const meter = await page.getByTestId('meter-tokens').textContent();
  check(meter.includes(`${(spent.input_tokens + spent.output_tokens).toLocaleString('en-US')} of 100,000`), `the session meter shows spend against budget (${meter})`);

  // ── 4b. A sub-RLM, nested under the program that called it ──────────────
  await askInNewSession(page, { name: 'nested', context: 'alpha beta gamma delta' }, 'NESTED QUESTION: ask a sub-RLM');
  await page.getByTestId('final-answer').waitFor({ timeout: 60_000 });
  check((await page.getByTestId('final-answer').textContent()).includes('the sub-RLM counted 4 words'), 'the sub-RLM answered the root');
  const subRun = page.locator('[data-kind=run]').nth(1);
  check((await subRun.textContent()).includes('sub-RLM (depth 1)') && (await subRun.getAttribute('aria-level')) === '3', 'the sub-RLM is nested under the program that called it');
  const levels = await page.locator('[role=treeitem]').evaluateAll((rows) => rows.map((r) => `${r.dataset.kind}:${r.getAttribute('aria-level')}`));
  check(levels.includes('model_call:4') && levels.includes('program:4'), `the sub-RLM's own steps and programs are one level deeper (${levels.join(' ')})`);

  // ── 4c. A retried root-model call (the mock model rate-limits once) ─────
  await askInNewSession(page, { name: 'retry', context: 'some text', settings: { model: 'openai:mock-root' } }, 'RETRY QUESTION');
  await page.getByTestId('final-answer').waitFor({ timeout: 60_000 });
  check((await page.getByTestId('final-answer').textContent()).includes('answered after a retry'), 'the mock-model run answered');
  const firstStep = page.locator('[data-kind=model_call]').first();
  const stepText = await firstStep.textContent();
  check(stepText.includes('retried ×1') && stepText.includes('retry 1:'), 'the retried step is flagged, with the reason', stepText);

  // ── 4d. Cache hits and in-flight dedup, as the trace records them ───────
  // The server keeps a subcall cache: the demo question over the same corpus
  // (asked in section 2) is answered from it, each subcall flagged cached.
  const cachedEid = await askInNewSession(page, { name: 'cached', context: corpus }, DEMO);
  await page.getByTestId('final-answer').waitFor({ timeout: 60_000 });
  const cachedExec = await api(`/api/executions/${cachedEid}`);
  const cachedFlags = await page.locator('[data-kind=subcall] .flag.cached').count();
  check(cachedExec.cache_hits === 6 && cachedExec.subcalls === 0, `the repeated question was served from the cache (${cachedExec.cache_hits} hits, ${cachedExec.subcalls} calls)`);
  check(cachedFlags === 6, `every subcall row is flagged cached (${cachedFlags})`);
  check((await page.locator('.totals').textContent()).includes('6 · 0 · 0'), 'the totals count 6 cached, 0 deduped, 0 retried');
  await shot(page, 'cached-run');
  // Three identical prompts in one batch: one call is sent, two wait for it.
  await askInNewSession(page, { name: 'dedup', context: 'anything' }, 'DEDUP QUESTION');
  await page.getByTestId('final-answer').waitFor({ timeout: 60_000 });
  const dedupFlags = await page.locator('[data-kind=subcall] .flag.deduped').count();
  check(dedupFlags === 2, `two of three identical subcalls are flagged deduped (${dedupFlags})`);

  // ── 4e. Cancel a running execution from the page ───────────────────────
  const slowEid = await askInNewSession(page, { name: 'cancel', context: 'anything' }, 'SLOW BATCH');
  const slowRunning = page.locator('[data-kind=subcall][data-status=running]').first();
  if (underFaults) {
    // Under the cluster's faults the job may start late (its message lost with a NATS
    // restart and republished by the sweep) or the live relay may miss its first
    // events: cancel it anyway once it is slow to show; the checks below still hold.
    const seen = await slowRunning.waitFor({ timeout: 45_000 }).then(() => true, () => false);
    if (!seen) console.log('noted: the slow batch showed no running subcall in 45 s (its calls take 60 s); cancelled as it was');
  } else {
    await slowRunning.waitFor({ timeout: 60_000 });
  }
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  // Under the faults the cancel may wait out a NATS restart before the worker hears it
  // (one run of three timed out at 30 s on a loaded 2-core machine).
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'cancelled', null, { timeout: underFaults ? 90_000 : 30_000 });
  const slowExec = await api(`/api/executions/${slowEid}`);
  check(slowExec.status === 'cancelled' && slowExec.finish === 'cancelled', `the server says cancelled (${slowExec.status}, ${slowExec.finish})`);
  check((await page.getByRole('button', { name: 'Cancel', exact: true }).count()) === 0, 'the Cancel button is gone once it ended');
  const stillRunning = await page.locator('[data-kind=subcall][data-status=running]').count();
  check(stillRunning === 0, `no subcall row is left running (${stillRunning})`);

  // ── 5. The dashboard against /api/stats and /metrics ────────────────────
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByTestId('dashboard').waitFor();
  await page.getByTestId('chart-model-tokens').waitFor();
  const stats = await api('/api/stats');
  const metrics = await api('/metrics');
  const kpi = async (id) => page.getByTestId(id).textContent();
  check(digits(await kpi('kpi-executions')) === String(stats.total_executions), `executions = ${stats.total_executions}`);
  check(digits(await kpi('kpi-input-tokens')) === String(stats.total_input_tokens), `input tokens = ${stats.total_input_tokens}`);
  check(digits(await kpi('kpi-output-tokens')) === String(stats.total_output_tokens), `output tokens = ${stats.total_output_tokens}`);
  check(digits(await kpi('kpi-subcalls')) === String(stats.total_subcalls), `subcalls = ${stats.total_subcalls}`);
  check(Number((await kpi('kpi-cost')).replace('$', '')) === Number(stats.total_cost_usd.toFixed(6)), `cost = ${stats.total_cost_usd}`);
  const barValue = async (chart, label) => Number(await page.locator(`[data-testid=${chart}] [data-label="${label}"]`).getAttribute('data-value'));
  for (const p of ['p50', 'p95', 'p99']) check((await barValue('chart-latency', p)) === stats.latency[`${p}_ms`], `latency ${p} = ${stats.latency[`${p}_ms`]} ms`);
  for (const [k, v] of Object.entries(stats.outcomes)) check((await barValue('chart-outcomes', k)) === v, `outcome ${k} = ${v}`);
  for (const [k, v] of Object.entries(stats.executions_by_status)) check((await barValue('chart-status', k)) === v, `status ${k} = ${v}`);
  const timelineTotal = (await page.locator('[data-testid=chart-timeline] g[data-total]').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-total'))))).reduce((a, b) => a + b, 0);
  check(timelineTotal === stats.total_executions, `the timeline holds every execution (${timelineTotal})`);
  const ringValue = await page.getByTestId('chart-cache').getAttribute('data-value');
  check(String(stats.cache_hit_rate ?? '') === ringValue, `cache hit rate = ${stats.cache_hit_rate}`);
  const retryReasons = [...metrics.matchAll(/rlm_retries_total\{reason="([^"]+)"\} (\d+)/g)];
  check(retryReasons.length > 0 && digits(await kpi('kpi-retries')) === String(stats.total_retries), `retries = ${stats.total_retries}`);
  for (const [, reason, n] of retryReasons) check((await barValue('chart-retries', reason)) === Number(n), `retries by reason: ${reason} = ${n}`);
  const modelTokens = Number(/rlm_model_tokens_total\{model="fake:scripted-demo",kind="input"\} (\d+)/.exec(metrics)?.[1]);
  check((await barValue('chart-model-tokens', 'fake:scripted-demo')) === modelTokens, `tokens per model from /metrics (${modelTokens} input)`);

  // ── 6. 1,000 subcalls: renders without freezing; timings ────────────────
  const installPerf = () =>
    page.evaluate(() => {
      const perf = { t0: 0, frames: [], firstRow: null, group: null, allDone: null, final: null, longTasks: [], stop: false };
      window.__perf = perf;
      try {
        new PerformanceObserver((l) => l.getEntries().forEach((e) => perf.longTasks.push(e.duration))).observe({ type: 'longtask' });
      } catch {
        /* no long-task API */
      }
      document.querySelector('form.ask button[type=submit]').addEventListener('click', () => {
        perf.t0 = performance.now();
        let last = perf.t0;
        let seen = null;
        const tick = (now) => {
          perf.frames.push(now - last);
          last = now;
          // A frame after the one that found the element: it has been painted.
          if (seen) {
            perf[seen] = now - perf.t0;
            seen = null;
          }
          if (perf.firstRow == null && document.querySelector('[data-testid=tree] [role=treeitem]')) seen = 'firstRow';
          else if (perf.group == null && document.querySelector('[data-kind=group][data-total="1000"]')) seen = 'group';
          else if (perf.allDone == null && document.querySelector('[data-kind=group][data-done="1000"]')) seen = 'allDone';
          else if (perf.final == null && document.querySelector('[data-testid=final-answer]')) seen = 'final';
          if (!perf.stop) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
    });
  const bigEid = await askInNewSession(page, { name: 'big batch', context: 'numbers 0 to 999' }, 'BIG BATCH: one subcall per item', installPerf);
  await page.getByTestId('final-answer').waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => window.__perf.final != null);
  const live = await page.evaluate(() => {
    window.__perf.stop = true;
    return window.__perf;
  });
  check((await page.getByTestId('final-answer').textContent()).includes('1000 answers; the last: the square of 999'), 'the 1,000-subcall execution answered');
  check((await page.getByTestId('subcalls').textContent()).trim() === '1,000 / 1,000', 'all 1,000 subcalls are counted');
  const group = page.locator('[data-kind=group]');
  check((await group.getAttribute('aria-expanded')) === 'false' && (await group.getAttribute('data-done')) === '1000', 'the batch is one folded group row');
  // Open the group: 1,000 rows in the list, only a window of them in the DOM.
  const openMs = await page.evaluate(async () => {
    const t = performance.now();
    document.querySelector('[data-kind=group] .row-head').click();
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t;
  });
  const inDom = await page.locator('[role=treeitem]').count();
  const shownText = await page.locator('.tree-tools').textContent();
  check(/1,00\d rows shown/.test(shownText) && inDom < 120, `the open group is virtualised (${inDom} rows in the DOM of ${shownText.match(/[\d,]+ rows/)[0]})`);
  await page.getByTestId('tree').focus();
  const endMs = await page.evaluate(async () => {
    const t = performance.now();
    document.querySelector('[data-testid=tree]').dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t;
  });
  await page.locator('[data-kind=subcall]', { hasText: '#999' }).waitFor();
  check(true, 'End reaches subcall #999');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'big-batch');
  // The dashboard again, with every run of this test in it, for the README.
  if (shots) {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByTestId('chart-model-tokens').waitFor();
    await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
    console.log('screenshot: dashboard.png');
  }
  // Re-open it cold from its link: navigation start → first tree row painted.
  const cold = await newPage();
  await cold.addInitScript(() => {
    window.__cold = { firstRow: null, frames: [] };
    let seen = false;
    let last = 0;
    const tick = (now) => {
      if (last) window.__cold.frames.push(now - last);
      last = now;
      if (seen && window.__cold.firstRow == null) window.__cold.firstRow = now;
      if (!seen && document.querySelector('[data-testid=tree] [role=treeitem]')) seen = true;
      if (window.__cold.firstRow == null || window.__cold.frames.length < 30) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await cold.goto(`${base}/executions/${bigEid}`);
  await cold.getByTestId('final-answer').waitFor();
  await cold.waitForFunction(() => window.__cold.firstRow != null);
  const reopened = await cold.evaluate(() => window.__cold);
  await cold.close();

  const stat = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
    return { frames: s.length, p50_ms: +at(50).toFixed(1), p95_ms: +at(95).toFixed(1), max_ms: +s[s.length - 1].toFixed(1), over_50ms: s.filter((x) => x > 50).length };
  };
  Object.assign(timings, {
    live: {
      first_tree_paint_ms: +live.firstRow.toFixed(1),
      group_of_1000_painted_ms: +live.group.toFixed(1),
      all_1000_done_painted_ms: +live.allDone.toFixed(1),
      final_answer_painted_ms: +live.final.toFixed(1),
      frame_times: stat(live.frames),
      long_tasks: { count: live.longTasks.length, max_ms: +Math.max(0, ...live.longTasks).toFixed(1) },
    },
    open_group_of_1000_ms: +openMs.toFixed(1),
    jump_to_end_ms: +endMs.toFixed(1),
    reopen_by_url: { first_tree_paint_ms: +reopened.firstRow.toFixed(1), frame_times: stat(reopened.frames) },
  });
  console.log(`timings: ${JSON.stringify(timings)}`);
  if (timingsFile) writeFileSync(timingsFile, JSON.stringify(timings, null, 2));

  // ── 7. A server with API keys: the page asks for one ───────────────────
  // (Its 401s are expected: this page is not watched for failed requests.)
  const keyedBase = process.env.RLM_KEYED_BASE;
  if (keyedBase) {
    const keyed = await context.newPage();
    current = keyed;
    await keyed.goto(`${keyedBase}/`);
    const prompt = keyed.locator('form.key-prompt');
    await prompt.waitFor();
    check(await prompt.getByText('This server needs an API key').isVisible(), 'without a key the page asks for one');
    await prompt.locator('input[type=password]').fill('not-the-key-0123456789');
    await prompt.getByRole('button', { name: 'Use key' }).click();
    await keyed.waitForLoadState();
    await prompt.waitFor();
    check(await prompt.isVisible(), 'a wrong key is asked for again');
    await prompt.locator('input[type=password]').fill(process.env.RLM_KEYED_TOKEN);
    await prompt.getByRole('button', { name: 'Use key' }).click();
    await keyed.waitForLoadState();
    await keyed.getByLabel('Name').fill('keyed session');
    await keyed.locator('textarea[name=context]').fill('a text behind a key');
    await keyed.getByRole('button', { name: 'Create session' }).click();
    await keyed.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
    await keyed.getByRole('link', { name: /keyed session/ }).waitFor();
    check((await prompt.count()) === 0, 'with the right key the prompt is gone and the page works');
    const listed = await fetch(`${keyedBase}/api/sessions`, { headers: { authorization: `Bearer ${process.env.RLM_KEYED_TOKEN}` } }).then((r) => r.json());
    check(listed.sessions.some((x) => x.name === 'keyed session'), 'the session was created with the key');
    await keyed.close();
  }

  check(problems.length === 0, 'no console error, page error or failed request', problems.join('\n'));
  console.log('ALL BROWSER CHECKS PASSED');
} catch (e) {
  console.log(`FAILED: ${String(e.stack ?? e).slice(0, 3000)}`);
  if (current) {
    const failure = join(tmpdir(), 'rlm-web-failure.png');
    await current.screenshot({ path: failure, fullPage: true }).catch(() => {});
    console.log(`the page at ${current.url()} (screenshot: ${failure}):\n${(await current.locator('body').innerText().catch(() => '?')).slice(0, 2000)}`);
  }
  if (problems.length) console.log(`problems seen:\n${problems.join('\n')}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await context.close();
}
