// The quickstart's chat server, unchanged: only how it is instrumented differs.
require('../quickstart/server.js');
