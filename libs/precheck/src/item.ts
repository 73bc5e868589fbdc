import { CheckStatus, type PrecheckItem } from '@tidewater/proto';

export const passed = (name: string, message: string): PrecheckItem => ({
  name,
  status: CheckStatus.CHECK_STATUS_PASSED,
  message,
  fix: '',
});
export const failed = (name: string, message: string, fix: string): PrecheckItem => ({
  name,
  status: CheckStatus.CHECK_STATUS_FAILED,
  message,
  fix,
});
export const warning = (name: string, message: string, fix: string): PrecheckItem => ({
  name,
  status: CheckStatus.CHECK_STATUS_WARNING,
  message,
  fix,
});
