// Start-up of the official TypeScript SDK: require('cloudflare') plus one request (page 1 of
// 100 meetings) in a fresh node process, the equivalent of startup.lua. Prints "items=<n>".
'use strict';
const Cloudflare = require('cloudflare');

const client = new Cloudflare({
  apiToken: process.env.CLOUDFLARE_API_TOKEN,
  baseURL: process.env.CLOUDFLARE_BASE_URL,
});
client.realtimeKit.meetings.get(process.env.REALTIMEKIT_APP_ID, {
  account_id: process.env.CLOUDFLARE_ACCOUNT_ID, per_page: 100,
}).then((page) => {
  console.log(`items=${page.data.length}`);
}, (err) => {
  console.error(err);
  process.exit(1);
});
