/** Every interactive action_id Baton renders. The route table in routes.ts maps each to its handler. */
export const INCIDENT_ACTIONS = {
  acknowledge: 'incident_acknowledge',
  escalate: 'incident_escalate',
  resolve: 'incident_resolve',
} as const;
