// The wire protocol is defined once, in @ws-otel/report-protocol, and shared with the server.
export * from '@ws-otel/report-protocol';
