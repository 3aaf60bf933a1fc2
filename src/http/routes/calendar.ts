import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CalendarService } from '../../services/schedules/calendars.js';
import { HttpError } from '../io.js';

const params = z.object({
  kind: z.enum(['rotation', 'user'], { message: 'expected /calendars/rotation/<id>/<token>.ics or /calendars/user/<id>/<token>.ics' }),
  id: z.string().min(1).max(120),
  file: z.string().regex(/^[A-Za-z0-9_-]{32}\.ics$/, 'expected <token>.ics'),
});

/** GET /calendars/:kind/:id/:file: a secret iCalendar feed. A wrong token is a 404, not a 401, so feeds cannot be probed. */
export function calendarRoute(calendars: CalendarService) {
  return async (_req: IncomingMessage, res: ServerResponse, raw: Record<string, string>) => {
    const parsed = params.safeParse(raw);
    if (!parsed.success) throw new HttpError(404, 'not_found', parsed.error.issues[0]!.message);
    const { kind, id, file } = parsed.data;
    if (!(await calendars.verify(kind, id, file.slice(0, -4)))) throw new HttpError(404, 'not_found', 'no such calendar feed');
    const body = await calendars.render(kind, id);
    if (body === null) throw new HttpError(404, 'not_found', 'no such calendar feed');
    res.writeHead(200, {
      'content-type': 'text/calendar; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'private, max-age=300',
    });
    res.end(body);
  };
}
