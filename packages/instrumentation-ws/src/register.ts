// Zero-code entry (`--require @ws-otel/instrumentation-ws/register`); the work is in zero-code/.
import './zero-code/register.js';
