/** The scenarios in the order they run and appear in the report. */
import broadcast from './broadcast.mjs';
import churn from './churn.mjs';
import echo from './echo.mjs';
import heartbeat from './heartbeat.mjs';
import idle from './idle.mjs';
import scrape from './scrape.mjs';

export const scenarios = [echo, broadcast, churn, idle, heartbeat, scrape];
