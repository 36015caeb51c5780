/**
 * Environment variables PostHog reads only at process start (a change needs new pods). Not complete: PostHog
 * reads more, so unknown names under spec.env are accepted; these are the ones we can check and explain.
 */
export const EnvTypes = ['str', 'bool', 'int', 'url', 'list'] as const;
export type EnvType = (typeof EnvTypes)[number];

export interface EnvVarDef {
  name: string;
  type: EnvType;
  /** Must come from a Secret (spec.secretEnv), never a plain value. */
  secret: boolean;
  description: string;
}

export const envOnlyDefs: readonly EnvVarDef[] = [
  {
    name: 'SECRET_KEY',
    type: 'str',
    secret: true,
    description: 'Django signing key for cookies, sessions and hashes; must be set in production.',
  },
  {
    name: 'JWT_SIGNING_KEY',
    type: 'str',
    secret: true,
    description: 'Key for PostHog-issued JWTs; falls back to SECRET_KEY.',
  },
  {
    name: 'JWT_SIGNING_KEY_FALLBACKS',
    type: 'str',
    secret: true,
    description: 'Previous JWT keys still trusted, comma list.',
  },
  {
    name: 'SITE_URL',
    type: 'url',
    secret: false,
    description: 'Canonical URL of the instance (emails, webhooks, SSO), no sub-path.',
  },
  { name: 'SECURE_COOKIES', type: 'bool', secret: false, description: 'Mark cookies secure.' },
  { name: 'IS_BEHIND_PROXY', type: 'bool', secret: false, description: 'PostHog runs behind a reverse proxy.' },
  { name: 'TRUSTED_PROXIES', type: 'list', secret: false, description: 'Proxy addresses to trust.' },
  { name: 'TRUST_ALL_PROXIES', type: 'bool', secret: false, description: 'Trust every proxy.' },
  { name: 'ALLOWED_IP_BLOCKS', type: 'list', secret: false, description: 'IP blocks allowed to reach the app.' },
  { name: 'ALLOWED_HOSTS', type: 'list', secret: false, description: 'Django allowed hosts.' },
  { name: 'DISABLE_SECURE_SSL_REDIRECT', type: 'bool', secret: false, description: 'Do not redirect HTTP to HTTPS.' },
  {
    name: 'SKIP_SERVICE_VERSION_REQUIREMENTS',
    type: 'bool',
    secret: false,
    description: 'Skip version checks of dependent services.',
  },
  { name: 'DATABASE_URL', type: 'url', secret: true, description: 'PostgreSQL URL (may hold credentials).' },
  {
    name: 'POSTHOG_DB_NAME',
    type: 'str',
    secret: false,
    description: 'PostgreSQL database when DATABASE_URL is unset.',
  },
  { name: 'POSTHOG_DB_USER', type: 'str', secret: false, description: 'PostgreSQL user when DATABASE_URL is unset.' },
  {
    name: 'POSTHOG_DB_PASSWORD',
    type: 'str',
    secret: true,
    description: 'PostgreSQL password when DATABASE_URL is unset.',
  },
  { name: 'POSTHOG_POSTGRES_HOST', type: 'str', secret: false, description: 'PostgreSQL host.' },
  { name: 'POSTHOG_POSTGRES_PORT', type: 'int', secret: false, description: 'PostgreSQL port.' },
  { name: 'POSTHOG_POSTGRES_SSL_MODE', type: 'str', secret: false, description: 'PostgreSQL SSL mode.' },
  { name: 'REDIS_URL', type: 'url', secret: true, description: 'Redis URL (may hold a password).' },
  { name: 'POSTHOG_REDIS_HOST', type: 'str', secret: false, description: 'Redis host.' },
  { name: 'POSTHOG_REDIS_PORT', type: 'int', secret: false, description: 'Redis port.' },
  { name: 'POSTHOG_REDIS_PASSWORD', type: 'str', secret: true, description: 'Redis password.' },
  { name: 'KAFKA_URL', type: 'url', secret: false, description: 'Kafka address for the app.' },
  { name: 'KAFKA_URL_FOR_CLICKHOUSE', type: 'url', secret: false, description: 'Kafka address as ClickHouse sees it.' },
  { name: 'KAFKA_PREFIX', type: 'str', secret: false, description: 'Prefix of Kafka topic names.' },
  { name: 'KAFKA_SECURITY_PROTOCOL', type: 'str', secret: false, description: 'Kafka security protocol.' },
  { name: 'KAFKA_SASL_MECHANISM', type: 'str', secret: false, description: 'Kafka SASL mechanism.' },
  { name: 'KAFKA_SASL_USER', type: 'str', secret: false, description: 'Kafka SASL user.' },
  { name: 'KAFKA_SASL_PASSWORD', type: 'str', secret: true, description: 'Kafka SASL password.' },
  { name: 'CLICKHOUSE_HOST', type: 'str', secret: false, description: 'ClickHouse host.' },
  { name: 'CLICKHOUSE_USER', type: 'str', secret: false, description: 'ClickHouse user.' },
  { name: 'CLICKHOUSE_PASSWORD', type: 'str', secret: true, description: 'ClickHouse password.' },
  { name: 'CLICKHOUSE_DATABASE', type: 'str', secret: false, description: 'ClickHouse database.' },
  { name: 'CLICKHOUSE_CLUSTER', type: 'str', secret: false, description: 'ClickHouse cluster name.' },
  { name: 'CLICKHOUSE_SECURE', type: 'bool', secret: false, description: 'TLS to ClickHouse.' },
  { name: 'CLICKHOUSE_VERIFY', type: 'bool', secret: false, description: 'Verify ClickHouse TLS certificates.' },
  { name: 'CLICKHOUSE_CA', type: 'str', secret: false, description: 'CA bundle for ClickHouse.' },
  { name: 'CLICKHOUSE_REPLICATION', type: 'bool', secret: false, description: 'Use replicated ClickHouse tables.' },
  { name: 'DEBUG', type: 'bool', secret: false, description: 'Django debug mode.' },
  { name: 'MULTI_ORG_ENABLED', type: 'bool', secret: false, description: 'Allow several organizations.' },
  { name: 'OPT_OUT_CAPTURE', type: 'bool', secret: false, description: 'Do not report product usage to PostHog.' },
  {
    name: 'DISABLE_PAID_FEATURE_SHOWCASING',
    type: 'bool',
    secret: false,
    description: 'Hide promotion of paid features.',
  },
  {
    name: 'CAPTURE_INTERNAL_METRICS',
    type: 'bool',
    secret: false,
    description: 'Send internal metrics to the instance itself.',
  },
  { name: 'SOCIAL_AUTH_GITHUB_KEY', type: 'str', secret: false, description: 'GitHub SSO client id.' },
  { name: 'SOCIAL_AUTH_GITHUB_SECRET', type: 'str', secret: true, description: 'GitHub SSO secret.' },
  { name: 'SOCIAL_AUTH_GITLAB_KEY', type: 'str', secret: false, description: 'GitLab SSO client id.' },
  { name: 'SOCIAL_AUTH_GITLAB_SECRET', type: 'str', secret: true, description: 'GitLab SSO secret.' },
  { name: 'SOCIAL_AUTH_GITLAB_API_URL', type: 'url', secret: false, description: 'GitLab API URL.' },
  { name: 'SOCIAL_AUTH_GOOGLE_OAUTH2_KEY', type: 'str', secret: false, description: 'Google SSO client id.' },
  { name: 'SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET', type: 'str', secret: true, description: 'Google SSO secret.' },
  { name: 'GITHUB_TOKEN', type: 'str', secret: true, description: 'Token for app and plugin installs from GitHub.' },
  { name: 'GITLAB_TOKEN', type: 'str', secret: true, description: 'Token for app and plugin installs from GitLab.' },
  { name: 'NPM_TOKEN', type: 'str', secret: true, description: 'Token for app and plugin installs from npm.' },
  { name: 'STATSD_HOST', type: 'str', secret: false, description: 'StatsD host.' },
  { name: 'STATSD_PORT', type: 'int', secret: false, description: 'StatsD port.' },
  { name: 'STATSD_PREFIX', type: 'str', secret: false, description: 'StatsD metric prefix.' },
  { name: 'LOG_LEVEL', type: 'str', secret: false, description: 'Log level of the plugin server.' },
  {
    name: 'OBJECT_STORAGE_PUBLIC_ENDPOINT',
    type: 'url',
    secret: false,
    description: 'Public endpoint for presigned object-storage URLs.',
  },
  { name: 'SENTRY_DSN', type: 'url', secret: false, description: 'Sentry DSN for error reports.' },
  { name: 'OPENAI_API_KEY', type: 'str', secret: true, description: 'Enables AI features on self-hosted.' },
  { name: 'ANTHROPIC_API_KEY', type: 'str', secret: true, description: 'Enables AI features on self-hosted.' },
  { name: 'CLOUDFLARE_TURNSTILE_SITE_KEY', type: 'str', secret: false, description: 'CAPTCHA site key at signup.' },
  { name: 'CLOUDFLARE_TURNSTILE_SECRET_KEY', type: 'str', secret: true, description: 'CAPTCHA secret at signup.' },
  { name: 'WORKOS_RADAR_ENABLED', type: 'bool', secret: false, description: 'Bot and fraud detection for auth.' },
  { name: 'WORKOS_RADAR_API_KEY', type: 'str', secret: true, description: 'API key of that detection.' },
  {
    name: 'SKIP_ASYNC_MIGRATIONS_SETUP',
    type: 'bool',
    secret: false,
    description: 'Skip async migration setup at start.',
  },
];
