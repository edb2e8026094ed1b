// Upstream's image starts Rocket.Chat's Meteor bundle with `node main.js` in /app/bundle (and upstream's compose
// file does the same after its MongoDB wait loop). This stand-in keeps that entry point and loads the ES module.
import('/opt/standin/rocketchat/server.mjs').catch((err) => {
  console.error(err);
  process.exit(1);
});
