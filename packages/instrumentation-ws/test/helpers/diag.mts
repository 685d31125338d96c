import { DiagLogLevel, diag } from '@opentelemetry/api';

/** Routes the OpenTelemetry diag logger's warnings and errors into the returned list. */
export function captureDiag(): string[] {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => lines.push(args.join(' '));
  diag.setLogger(
    { error: capture, warn: capture, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return lines;
}
