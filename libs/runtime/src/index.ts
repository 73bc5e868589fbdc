export { Lifecycle, type Component } from './lifecycle.js';
export { healthResponder, healthSubject, type HealthReport } from './health.js';
