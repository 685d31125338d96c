import { connect } from 'node:net';

/**
 * Why an export had no answer, told by one TCP connect to the endpoint:
 * `refused` when the port refused at once (nothing listens), `silent`
 * otherwise (it accepted or did not answer within `timeoutMs`).
 */
export function probeEndpoint(url: URL, timeoutMs: number): Promise<'refused' | 'silent'> {
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: 'refused' | 'silent') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('silent'), timeoutMs);
    timer.unref();
    socket.unref();
    socket.once('connect', () => done('silent'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' ? 'refused' : 'silent'),
    );
  });
}

/** The OTLP metrics URL the exporter uses, from the standard variables; what it prints without credentials. */
export function otlpMetricsUrl(env: Record<string, string | undefined>): URL | undefined {
  const own = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  try {
    if (own) return new URL(own);
    if (base) return new URL(`${base.replace(/\/+$/, '')}/v1/metrics`);
    return new URL('http://localhost:4318/v1/metrics');
  } catch {
    return undefined;
  }
}
