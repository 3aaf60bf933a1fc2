import type { Notice } from '../../../domain/notices.js';
import { handoverMessage, shiftReminderMessage } from '../handover.js';
import type { NoticeMessage } from '../message.js';
import { coverageGapsDigest } from './coverage-gaps.js';
import { incidentNotice } from './incident.js';
import { maintenanceStarted, serviceKept } from './maintenance.js';

/** A notice the outbox carries as intent, as the message the sender posts. */
export function noticeMessage(notice: Notice): NoticeMessage {
  switch (notice.type) {
    case 'page_answered':
    case 'role_set':
    case 'status_update':
      return incidentNotice(notice);
    case 'maintenance_started':
      return maintenanceStarted(notice);
    case 'service_kept':
      return serviceKept(notice);
    case 'coverage_gaps':
      return coverageGapsDigest(notice);
    case 'handover':
      return handoverMessage(notice.digest);
    case 'shift_reminder':
      return shiftReminderMessage(notice.rotationName, notice.start, notice.end);
  }
}
