// Contender for the rate-limited setting (e): the official Cloudflare TypeScript SDK with the
// concurrent loop a user would write by hand, since the SDK has no RealtimeKit iterator and
// reads no Ratelimit header: page 1 for the total, then WORKERS (default 8) workers taking the
// next page number until there is none. The SDK's own retries meet any 429 (it waits the
// Retry-After); maxRetries is raised to 10 so that the walk finishes under the limit. Touches
// every item like the others and prints "items=<n> title_bytes=<n>". Run with
// NODE_PATH=bench/node/node_modules and the variables the fake server's command exports.
'use strict';
const Cloudflare = require('cloudflare');

async function main() {
  const workers = Number(process.argv[2] || '8');
  const perPage = Number(process.env.BENCH_PER_PAGE || '100');
  const client = new Cloudflare({
    apiToken: process.env.CLOUDFLARE_API_TOKEN,
    baseURL: process.env.CLOUDFLARE_BASE_URL,
    maxRetries: 10,
  });
  const accountId = process.env.CLOUDFLARE_ACCOUNT_ID;
  const appId = process.env.REALTIMEKIT_APP_ID;
  let items = 0;
  let titleBytes = 0;
  const take = (page) => {
    for (const m of page.data) {
      items++;
      if (typeof m.title === 'string') titleBytes += Buffer.byteLength(m.title);
    }
  };
  const get = (pageNo) => client.realtimeKit.meetings.get(appId, {
    account_id: accountId, page_no: pageNo, per_page: perPage,
  });
  const first = await get(1);
  take(first);
  const pages = Math.ceil(first.paging.total_count / perPage);
  let next = 2;
  const results = new Map();
  async function worker() {
    while (next <= pages) {
      const pageNo = next++;
      results.set(pageNo, await get(pageNo));
    }
  }
  await Promise.all(Array.from({ length: workers }, worker));
  for (let p = 2; p <= pages; p++) take(results.get(p));
  console.log(`items=${items} title_bytes=${titleBytes}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
