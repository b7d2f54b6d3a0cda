/** A step of the system clock the scheduler noticed (an NTP correction, a VM restore). */
export interface ClockJump {
  /** When it was noticed (wall time after the step). */
  at: Date;
  /** How far the wall time moved beyond the elapsed time, in ms; < 0: stepped back. */
  jumpMs: number;
}
