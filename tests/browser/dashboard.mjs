// End to end in headless Chromium: the dashboard of `tally serve` used as a reporter
// would, checked against the CLI's own numbers. Run by
// crates/tally-cli/tests/test_browser.rs, which starts the server and passes what the
// CLI printed for the same view:
//
//   node dashboard.mjs BASE_URL EXPECTED.json ARTIFACT_DIR
//
// EXPECTED.json: {"total": "7,770", "csv": "<the CLI's CSV>", "count_path": "/count/...",
// "operation_headline": "In the 10 treated AORs, ..."}.
// Exits 0 when every check passes; otherwise prints the failed check and exits 1.
// Screenshots of each step go to ARTIFACT_DIR.

import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, expectedPath, artifacts] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
mkdirSync(artifacts, { recursive: true });

function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
  console.log(`ok: ${message}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
let failed = false;
try {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1100, height: 900 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // 1. The dashboard: choose Chicago and FY2019, by month and method group.
  await page.goto(`${base}/`);
  await page.screenshot({ path: join(artifacts, '1-dashboard.png'), fullPage: true });
  check((await page.title()).includes('Tally'), 'the dashboard loads');
  await page.selectOption('select[name=aor]', ['CHI']);
  await page.selectOption('select[name=fy]', 'FY2019');
  await page.selectOption('select[name=series]', 'month');
  await page.selectOption('select[name=split]', 'method-group');
  await Promise.all([page.waitForURL('**/count/arrests?**'), page.click('button[type=submit]')]);
  const url = new URL(page.url());
  check(url.pathname + url.search === expected.count_path,
    `the form leads to the view's own URL (${url.pathname + url.search})`);

  // 2. The chart and the table, with the CLI's total.
  await page.locator('svg[data-chart]').waitFor();
  check(await page.locator('svg[data-chart] path[data-series]').count() >= 3,
    'the chart draws a line per method group');
  check(await page.locator('svg[data-chart] [data-not-covered]').count() === 1,
    'September 2019, which no release covers, is drawn as a band');
  const total = (await page.locator('[data-total]').textContent()).trim();
  check(total === expected.total, `the total is the CLI's (${total})`);
  const rows = await page.locator('table tbody tr').count();
  check(rows === expected.rows, `the table has the CLI's ${expected.rows} rows (${rows})`);
  check(await page.locator('td', { hasText: '<10' }).count() > 0,
    'suppressed cells show as <10');
  await page.screenshot({ path: join(artifacts, '2-count.png'), fullPage: true });

  // 3. The CSV download is the CLI's CSV, byte for byte.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('text=Download CSV'),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  check(csv === expected.csv, `the downloaded CSV equals the CLI's (${csv.length} bytes)`);

  // 4. The permalink: copied by the button, opened in a new page, the same view.
  const copy = page.locator('button[data-copy]');
  check(await copy.isVisible(), 'the copy button is shown when script runs');
  await copy.click();
  await page.locator('button[data-copy]', { hasText: 'Copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check(copied === `${base}${expected.count_path}`, `the copied permalink is the view's URL (${copied})`);
  const second = await context.newPage();
  await second.goto(copied);
  const secondTotal = (await second.locator('[data-total]').textContent()).trim();
  check(secondTotal === total, 'the permalink opens the same total');
  const table = async (p) => p.locator('table tbody').innerText();
  check(await table(second) === await table(page), 'the permalink opens the same table');

  // 5. Keyboard: the controls are reached with Tab, in order, from the top.
  await second.keyboard.press('Tab');
  const focused = [];
  for (let i = 0; i < 8; i++) {
    focused.push(await second.evaluate(() => document.activeElement.getAttribute('name') || document.activeElement.tagName));
    await second.keyboard.press('Tab');
  }
  check(focused.includes('table') && focused.includes('aor') && focused.includes('fy'),
    `Tab reaches the controls (${focused.join(', ')})`);

  // 6. Phone width: nothing wider than the screen but the table's own scroller.
  await second.setViewportSize({ width: 390, height: 844 });
  const overflow = await second.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 390, `the count page fits a phone's width (${overflow} px)`);
  await second.screenshot({ path: join(artifacts, '3-count-phone.png'), fullPage: true });

  // 7. The map of the same filters.
  await page.click('text=Map by AOR');
  await page.locator('path[data-aor]').first().waitFor();
  check(await page.locator('path[data-aor]').count() === 24, 'the map draws the 24 AORs');
  check(await page.locator('path[data-aor="CHI"]').getAttribute('fill') !== 'url(#hatch)',
    'Chicago is shaded by its count');
  await page.screenshot({ path: join(artifacts, '4-map.png'), fullPage: true });

  // 8. An operation page, picked from the list.
  await page.goto(`${base}/operations`);
  await page.selectOption('select[name=name]', 'family-op-2019');
  await Promise.all([page.waitForURL('**/operations/family-op-2019'), page.click('button[type=submit]')]);
  const headline = (await page.locator('p strong').first().textContent()).trim();
  check(headline === expected.operation_headline, `the operation page opens with its headline (${headline})`);
  check(await page.locator('svg').count() === 3, 'the operation report draws its three charts');
  await page.screenshot({ path: join(artifacts, '5-operation.png'), fullPage: true });

  // 9. Another table from the dashboard's picker (script), then its own form.
  await page.goto(`${base}/`);
  await Promise.all([page.waitForURL('**/count/detainers'), page.selectOption('select[name=table]', 'detainers')]);
  check(await page.locator('select[name=table]').inputValue() === 'detainers',
    'choosing another table opens its view');

  check(errors.length === 0, `no script errors (${errors.join('; ')})`);
} catch (e) {
  failed = true;
  console.error(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
