/** The workspace most tests run in. Virtual "now" is Wed 18 Nov 2026 10:00 UTC: Ada's shift, Bob is next. */
export const TEST_NOW = '2026-11-18T10:00:00Z';
export const SIGNING_SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const ADA = 'U0ADA00001';
export const BOB = 'U0BOB00002';
export const CLEO = 'U0CLEO0003';
export const DAN = 'U0DAN00004';
export const TEAM_CHANNEL = 'C0PAYMENTS1';
export const KEY = 'KEY123-checkout-alertmanager';
export const BEARER = 's3cret';

export const PEOPLE = {
  [ADA]: { name: 'Ada Lovelace', tz: 'Europe/Berlin' },
  [BOB]: { name: 'Bob Kahn', tz: 'America/Chicago' },
  [CLEO]: { name: 'Cleo Mwangi', tz: 'Asia/Kolkata' },
  [DAN]: { name: 'Dan Abramov', tz: 'America/St_Johns' },
};

export const TEST_CONFIG = `
users:
  - { id: ${ADA}, name: Ada Lovelace, time_zone: Europe/Berlin, phone: "+4915112345678" }
  - { id: ${BOB}, name: Bob Kahn, time_zone: America/Chicago }
  - { id: ${CLEO}, name: Cleo Mwangi, time_zone: Asia/Kolkata }
teams:
  - { id: payments, name: Payments, slack_channel: ${TEAM_CHANNEL} }
rotations:
  - id: payments-primary
    name: Payments primary
    team: payments
    time_zone: Europe/Berlin
    shift: 1w
    handoff_time: "09:00"
    start_date: "2026-11-02"
    participants: [${ADA}, ${BOB}]
escalation_policies:
  - id: payments-default
    name: Payments default
    levels:
      - targets: [{ rotation: payments-primary }]
      - targets: [{ rotation: payments-primary, role: secondary }]
      - targets: [{ user: ${CLEO} }]
services:
  - id: checkout
    name: Checkout
    team: payments
    escalation_policy: payments-default
    integrations:
      - { type: alertmanager, key: ${KEY}, bearer_token: ${BEARER} }
`;

export const GRAFANA_KEY = 'GRAFANA-key-checkout';
export const GRAFANA_HMAC = 'grafana-hmac-secret';
export const PD_ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
export const GENERIC_KEY = 'GENERIC-key-checkout';
export const HEARTBEAT_KEY = 'HEARTBEAT-key-checkout';

/** The test workspace with every kind of alert source on the checkout service. */
export const SOURCES_CONFIG = TEST_CONFIG.replace(
  `      - { type: alertmanager, key: ${KEY}, bearer_token: ${BEARER} }`,
  `      - { type: alertmanager, key: ${KEY}, bearer_token: ${BEARER} }
      - { type: grafana, key: ${GRAFANA_KEY}, bearer_token: ${BEARER}, hmac_secret: ${GRAFANA_HMAC} }
      - { type: pagerduty, key: ${PD_ROUTING_KEY} }
      - { type: generic, key: ${GENERIC_KEY} }
      - { type: heartbeat, key: ${HEARTBEAT_KEY}, interval_minutes: 5 }`,
);

/** A member of a second team, the `infra` team, and nothing else. */
export const ERIN = 'U0ERIN0005';
export const INFRA_CHANNEL = 'C0INFRA0001';

/**
 * `config` (the test workspace, or a variant of it) with a second team, Infra, whose one rotation Erin
 * holds: a Baton user who belongs to another team than Payments.
 */
export function withInfraTeam(config: string): string {
  const withUser = config.replace(/( {2}- \{ id: U0CLEO0003, [^\n]*\n)/, `$1  - { id: ${ERIN}, name: Erin Infra, time_zone: UTC }\n`);
  const withTeam = withUser.replace(/(teams:\n[^\n]*\n)/, `$1  - { id: infra, name: Infra, slack_channel: ${INFRA_CHANNEL} }\n`);
  const infraRotation = `  - id: infra-primary
    name: Infra primary
    team: infra
    time_zone: UTC
    shift: 1w
    handoff_time: "09:00"
    start_date: "2026-11-02"
    participants: [${ERIN}]
`;
  const out = withTeam.replace(/\nescalation_policies:\n/, `\n${infraRotation}escalation_policies:\n`);
  if (!out.includes(ERIN) || !out.includes('id: infra,') || !out.includes('infra-primary'))
    throw new Error('withInfraTeam: the config does not have the shape of TEST_CONFIG');
  return out;
}
