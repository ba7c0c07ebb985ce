// Contender 5: the official Cloudflare TypeScript SDK (npm `cloudflare`, pinned in
// bench/package.json), walking page_no by hand, since it has no RealtimeKit iterator:
// client.realtimeKit.meetings.get(appId, { account_id, page_no, per_page }) until
// paging.end_offset >= paging.total_count. Touches every item like the others and prints
// "items=<n> title_bytes=<n>". Run with NODE_PATH=bench/node/node_modules and the variables
// `spec/support/fake-realtimekit start` exports.
'use strict';
const Cloudflare = require('cloudflare');

async function main() {
  const client = new Cloudflare({
    apiToken: process.env.CLOUDFLARE_API_TOKEN,
    baseURL: process.env.CLOUDFLARE_BASE_URL,
  });
  const accountId = process.env.CLOUDFLARE_ACCOUNT_ID;
  const appId = process.env.REALTIMEKIT_APP_ID;
  let items = 0;
  let titleBytes = 0;
  for (let pageNo = 1; ; pageNo++) {
    const page = await client.realtimeKit.meetings.get(appId, {
      account_id: accountId, page_no: pageNo, per_page: 100,
    });
    for (const m of page.data) {
      items++;
      if (typeof m.title === 'string') titleBytes += Buffer.byteLength(m.title);
    }
    if (page.data.length === 0 || page.paging.end_offset >= page.paging.total_count) break;
  }
  console.log(`items=${items} title_bytes=${titleBytes}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
