export { ErrorCodes, type ErrorCode, type ErrorCodeInfo } from './codes.js';
export { TidewaterError, AssertionError, assert, isTidewaterError, isRetriable, redact, type ErrorDetails } from './tidewater-error.js';
