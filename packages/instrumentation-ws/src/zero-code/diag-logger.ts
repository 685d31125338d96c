import { DiagConsoleLogger, type DiagLogger } from '@opentelemetry/api';

const DUPLICATE_METRICS = 'Attempted duplicate registration of API: metrics';

/**
 * register's console logger. Once register owns the global MeterProvider, an
 * SDK started after ws loaded (NodeSDK in the app's own code) is refused the
 * global slot by the API, which logs a stack trace that reads like a crash;
 * this logger says in one line what happens instead.
 */
export class RegisterDiagLogger extends DiagConsoleLogger {
  /** Set once register's own provider is the global one. */
  ownsMeterProvider = false;

  constructor() {
    super();
    const error = this.error.bind(this);
    const warn = this.warn.bind(this);
    (this as DiagLogger).error = (message: string, ...args: unknown[]) => {
      if (this.ownsMeterProvider && message.includes(DUPLICATE_METRICS)) {
        warn(
          '@ws-otel/instrumentation-ws/register: another OpenTelemetry SDK started after ws was ' +
            'loaded and could not register its MeterProvider, since register already had; all ' +
            "metrics, that SDK's instrumentations' included, are exported by register's exporters " +
            '(OTEL_METRICS_EXPORTER). To have your SDK export them instead, start it before ws is ' +
            'loaded; register then joins it',
        );
        return;
      }
      error(message, ...args);
    };
  }
}
