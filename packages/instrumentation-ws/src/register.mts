// ESM entry for `node --import`: runs the CommonJS register, one instance for both.
import './register.js';
