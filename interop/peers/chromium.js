// chromium.js opens the interop page in headless Chromium through playwright-core and
// prints the page's scenario reports, one JSON object per line.
// Usage: node chromium.js <page-url> <user-data-dir> <chromium-binary>
'use strict';

const { chromium } = require('playwright-core');

const t0 = Date.now();
function log(msg) {
  console.error('+' + (Date.now() - t0) + 'ms ' + msg);
}

async function main() {
  const [pageURL, userDataDir, executablePath] = process.argv.slice(2);
  // playwright passes userDataDir to the browser as --user-data-dir (it refuses that flag
  // in args) and adds --headless itself.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    timeout: 20000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  log('browser started');
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => log('console.' + m.type() + ': ' + m.text()));
    page.on('pageerror', (e) => log('pageerror: ' + e));
    await page.goto(pageURL, { timeout: 10000 });
    log('page loaded');
    await page.waitForFunction(() => window.__hayateDone === true, null, { timeout: 25000, polling: 100 });
    const results = await page.evaluate(() => window.__hayateResults);
    log('scenarios done; user agent: ' + (await page.evaluate(() => navigator.userAgent)));
    for (const r of results) console.log(JSON.stringify(r));
  } finally {
    await context.close();
    log('browser closed');
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  },
);
