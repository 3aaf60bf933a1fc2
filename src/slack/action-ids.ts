/** Every interactive action_id Baton renders. The route table in routes.ts maps each to its handler. */
export const INCIDENT_ACTIONS = {
  acknowledge: 'incident_acknowledge',
  escalate: 'incident_escalate',
  resolve: 'incident_resolve',
} as const;

/** Buttons on a DM page that lists several incidents (pages held for the person's DM, sent together). */
export const PAGE_ACTIONS = {
  acknowledgeAll: 'page_acknowledge_all',
} as const;

/** Buttons in an incident's own channel. */
export const CHANNEL_ACTIONS = {
  commander: 'incident_role_commander',
  comms: 'incident_role_comms',
} as const;

export const SCHEDULE_ACTIONS = {
  swapAccept: 'swap_accept',
  swapDecline: 'swap_decline',
  coverTake: 'cover_take',
  cancelOverride: 'override_cancel',
  cancelTimeOff: 'time_off_cancel',
  /** Withdrawing a swap request the teammate has not answered (My changes). */
  withdrawSwap: 'swap_withdraw',
  /** Picking a teammate in the swap form; the form then lists that teammate's shifts. */
  swapTeammate: 'swap_teammate',
} as const;

/** callback_ids of Baton's modals; the route table maps each to its submission handler. */
export const MODALS = {
  override: 'modal_override',
  timeOff: 'modal_time_off',
  timeOffConfirm: 'modal_time_off_confirm',
  swap: 'modal_swap',
  cover: 'modal_cover',
  rotation: 'modal_rotation',
  me: 'modal_me',
  phoneCode: 'modal_phone_code',
  declare: 'modal_declare',
  page: 'modal_page',
  policy: 'modal_policy',
  service: 'modal_service',
  myChanges: 'modal_my_changes',
} as const;

/** Quick actions on the App Home. */
export const HOME_ACTIONS = {
  override: 'home_override',
  cover: 'home_cover',
  timeOff: 'home_time_off',
  declare: 'home_declare',
  page: 'home_page',
  myChanges: 'home_my_changes',
} as const;
