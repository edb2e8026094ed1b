// Upstream's streaming image starts `node ./streaming/index.js` in /opt/mastodon; this stand-in keeps that entry
// point and loads the ES module.
import('/opt/standin/mastodon/app/streaming.mjs').catch((err) => {
  console.error(err);
  process.exit(1);
});
