import type { Notice } from '../../../domain/notices.js';
import { slackDate } from '../format.js';
import type { NoticeMessage } from '../message.js';

/** To the service's team channel when someone starts maintenance. */
export function maintenanceStarted(notice: Extract<Notice, { type: 'maintenance_started' }>): NoticeMessage {
  return {
    text: `:construction: <@${notice.userId}> started maintenance on *${notice.serviceName}* until ${slackDate(notice.until)}: alerts are recorded but page nobody.`,
  };
}
