// Read once from the package's own manifest, so the scope name and version never drift.
const manifest = require('../package.json') as { name: string; version: string };

export const PACKAGE_NAME: string = manifest.name;
export const PACKAGE_VERSION: string = manifest.version;
