// Upstream's image starts Rocket.Chat's Meteor bundle with `node main.js` in /app/bundle (and upstream's compose
// file does the same after its MongoDB wait loop). This stand-in keeps that entry point and loads the ES module.
// A version ending in "-crash" is an image whose server bundle is missing: Node's own "Cannot find module" error,
// exit 1 at once, as a broken image fails (for the waits that must report a crash in seconds).
if ((process.env.RC_STANDIN_VERSION ?? '').endsWith('-crash')) require('./programs/server/boot.js');
import('/opt/standin/rocketchat/server.mjs').catch((err) => {
  console.error(err);
  process.exit(1);
});
