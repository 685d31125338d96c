/**
 * heartbeat: a place kept for the heartbeat's cost, not measured yet. The
 * scenario should hold 10,000 idle connections with the heartbeat on
 * (OTEL_WS_HEARTBEAT=active and a short OTEL_WS_HEARTBEAT_INTERVAL, so a
 * window of a few seconds covers whole sweeps) and report the server's CPU
 * per ping and pong, and the event loop's longest delay during a sweep (the
 * scheduler must spread pings so that no sweep blocks the loop; read it with
 * perf_hooks.monitorEventLoopDelay in server.mjs). Bare has no heartbeat, so
 * compare against bare running the usual hand-written ping loop over
 * wss.clients. Give it `variants`, `params`, `run` and `summarise` like the
 * others, and drop `skip`.
 */
export default {
  name: 'heartbeat',
  skip: 'not measured yet, see scenarios/heartbeat.mjs',
};
