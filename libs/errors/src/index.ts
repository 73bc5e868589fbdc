export { ErrorCodes, type ErrorCode, type ErrorCodeInfo } from './codes.js';
export {
  TidewaterError,
  AssertionError,
  assert,
  isTidewaterError,
  isRetriable,
  redact,
  retryWindowOf,
  errorCodeOf,
  type RetryWindow,
  type ErrorDetails,
} from './tidewater-error.js';
