export { defaultConfig, resolveConfig } from './config.mjs';
export { dashboard } from './dashboard.mjs';
export { METRICS, selector } from './metrics.mjs';
export { alertRuleGroups } from './rules.mjs';
export { toYaml } from './yaml.mjs';
