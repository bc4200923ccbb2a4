/**
 * @auxctl/core/testing: helpers for tests of core and of the packages built
 * on it (the aux drivers, the examples). Never imported by library code.
 */
export { type CapturedLine, captureLog } from './capture-log.js';
