'use strict';
// What every framework app shares: its settings from the environment, a
// polling wait, and the end of a run: print what the app saw, then stay up
// (for the metrics scrape) until the test closes stdin.

function env() {
  return {
    serverPort: Number(process.env.APP_SERVER_PORT),
    relayPort: Number(process.env.APP_RELAY_PORT),
    clients: Number(process.env.APP_CLIENTS ?? 6),
  };
}

async function until(condition, what = 'the workload') {
  const deadline = Date.now() + 60000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Prints the app's own account of the run and waits for the test to end it. */
async function finish(app) {
  process.stdout.write(`\n${JSON.stringify({ done: true, app })}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  process.exit(0);
}

process.on('unhandledRejection', (error) => {
  console.error(error);
  process.exit(1);
});

/** A message holding this makes the relay cut the connection (relay.mts). */
const CUT_MARKER = 'RELAY-CUT';

module.exports = { CUT_MARKER, env, until, finish };
