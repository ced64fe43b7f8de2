/**
 * The optional Action secrets as a deploy writes them when the environment leaves them unset: each at the default
 * the README's configuration table gives it.
 */
export const DEFAULT_OPTIONAL_SECRETS = {
  CHECK_ON: 'every-login',
  MERGE_APP_METADATA_KEYS: '',
  DRY_RUN: 'false',
  PRIMARY_POLICY: 'oldest',
  NOT_NOW_DAYS: '7',
  LINK_NOTICE: 'claim',
} as const;
