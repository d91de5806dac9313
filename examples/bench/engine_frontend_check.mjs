// Drives the RLM Engine's own React frontend (built unchanged) against `rlm serve`
// in headless Chromium: dashboard, sessions, session detail with memory, a new
// execution through the form, and the execution detail with its tree.
import { chromium } from 'playwright-core';
const UI = process.env.UI, API = process.env.API;
const sid = process.env.SID;
const problems = [];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
page.on('pageerror', e => problems.push('pageerror: ' + e.message));
page.on('response', r => { if (r.url().includes('/api/') && r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
const step = (s) => console.log('ok:', s);
const stats = await (await fetch(`${API}/api/stats`)).json();

await page.goto(`${UI}/`);
await page.getByText('Total Executions').waitFor();
await page.locator(`text=${stats.total_executions}`).first().waitFor();
await page.getByText('Success Rate').waitFor();
await page.getByText('100%').waitFor();
step(`dashboard shows ${stats.total_executions} executions, 100% success, recent list`);

await page.goto(`${UI}/sessions`);
await page.getByText('engine-check').first().waitFor();
step('sessions list shows the session');

await page.goto(`${UI}/sessions/${sid}`);
await page.getByText('Memory (1 keys)').waitFor();
await page.getByText('favourite').waitFor();
await page.getByText('characters').first().waitFor();
await page.getByText('Executions (1)').waitFor();
step('session detail: context size, hash, memory, executions');

await page.goto(`${UI}/new?session=${sid}`);
await page.locator('textarea').first().fill('Which service logged the most errors, and what is the vault passphrase?');
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
if (problems.length) { console.log('PROBLEMS:\n' + problems.join('\n')); process.exit(1); }
console.log('no console errors, no failed API request');
