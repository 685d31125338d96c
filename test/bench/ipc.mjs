/**
 * Request and reply over the channel that child_process.fork opens. The
 * orchestrator calls a named handler in a child and awaits its answer; the
 * child announces itself once with `ready` when it can take calls.
 */

/** Parent side: wraps a forked child. `ready` resolves with what the child announced. */
export function connect(child, label) {
  const pending = new Map();
  let nextId = 0;
  let announce;
  let fail;
  const ready = new Promise((resolve, reject) => {
    announce = resolve;
    fail = reject;
  });
  child.on('message', (message) => {
    if (message?.ready !== undefined) {
      announce(message.ready);
      return;
    }
    const waiter = pending.get(message?.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`${label}: ${message.error}`));
    else waiter.resolve(message.result);
  });
  child.on('exit', (code, signal) => {
    const error = new Error(`${label} exited (${signal ?? code})`);
    fail(error);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  });
  function call(type, args = {}) {
    return new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      child.send({ id, type, args }, (error) => {
        if (error) {
          pending.delete(id);
          reject(error);
        }
      });
    });
  }
  return { ready, call };
}

/** Child side: answers calls with `handlers[type](args)`, then says it is ready. */
export function serve(handlers, readyInfo = {}) {
  process.on('message', async ({ id, type, args }) => {
    try {
      const handler = handlers[type];
      if (handler === undefined) throw new Error(`no handler for '${type}'`);
      const result = await handler(args);
      process.send({ id, result: result ?? null });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
  });
  // Never outlive the orchestrator.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: readyInfo });
}
