import type { DB } from '../db/client.js';
import type { Clock } from '../domain/clock.js';
import { shiftAt, type Rotation, type Shift } from '../domain/rotation.js';
import { loadRotations } from './directory.js';

export interface RotationNow {
  rotation: Rotation;
  shift: Shift | null;
}

/** Who holds each rotation's pager right now. */
export class OnCallService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
  ) {}

  now(): number {
    return this.clock.now().getTime();
  }

  whoIsOnCall(): RotationNow[] {
    const at = this.now();
    return [...loadRotations(this.db).values()].map((rotation) => ({ rotation, shift: shiftAt(rotation, at) }));
  }
}
