// What the chat server and its clients agree on.

const ROOMS = ['general', 'random', 'help'];
/** Over this, ws refuses the message (close 1009) and reports WS_ERR_UNSUPPORTED_MESSAGE_LENGTH. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** First byte of a binary frame: what it carries. */
const FRAME_TYPING = 0x01;
const FRAME_AVATAR = 0x02;
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
/** Application close code: the client sent something that is not this protocol. */
const CLOSE_INVALID_MESSAGE = 4001;
/** Application close code: the client app went to the background. */
const CLOSE_APP_BACKGROUNDED = 4002;

module.exports = {
  ROOMS,
  MAX_PAYLOAD_BYTES,
  FRAME_TYPING,
  FRAME_AVATAR,
  CLOSE_NORMAL,
  CLOSE_GOING_AWAY,
  CLOSE_INVALID_MESSAGE,
  CLOSE_APP_BACKGROUNDED,
};
