// Runs the chat server until SIGTERM or Ctrl-C. PORT picks the port (default 8080).
const { startChatServer } = require('./chat-server.js');

const port = Number(process.env.PORT || 8080);

startChatServer({ port }).then(
  (chat) => {
    console.log(`chat server: http://localhost:${chat.port}/ (WebSocket at /chat)`);
    // Ctrl-C in a terminal and the demo's SIGTERM can both arrive: close once.
    let closing = false;
    const stop = () => {
      if (closing) return;
      closing = true;
      void chat.close();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (error) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `chat server: port ${port} is already in use; set PORT to a free port`
        : `chat server: could not start: ${error.message}`,
    );
    // Exit now: a metrics endpoint started beside the app would keep the process alive.
    process.exit(1);
  },
);
