import type { Notice } from '../../../domain/notices.js';
import { escapeMrkdwn, slackDate } from '../format.js';
import type { NoticeMessage } from '../message.js';

/** To the service's team channel when someone starts maintenance. */
export function maintenanceStarted(notice: Extract<Notice, { type: 'maintenance_started' }>): NoticeMessage {
  return {
    text: `:construction: <@${notice.userId}> started maintenance on *${notice.serviceName}* until ${slackDate(notice.until)}: alerts are recorded but page nobody.`,
  };
}

/** To the team channel of a service the config file removed but Baton keeps, since incidents refer to it. */
export function serviceKept(notice: Extract<Notice, { type: 'service_kept' }>): NoticeMessage {
  return {
    text: `:warning: *${escapeMrkdwn(notice.serviceName)}* was removed from ${escapeMrkdwn(notice.file)} but is kept, since its incidents refer to it. Its integration keys from the file are gone: it takes no more alerts.`,
  };
}
