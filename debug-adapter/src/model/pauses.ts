/**
 * When the program was paused, as plain data: a loop paused at a breakpoint does not turn, which
 * the agent's watchdog cannot tell from a blocked loop. `isPauseArtifact()` says whether a
 * `loop.blocked` report (possibly sent during the pause and delivered after it) is only the pause.
 * No timers, no I/O: times are passed in (milliseconds).
 */
export class PauseWindow {
  private start: number | null = null;
  private end: number | null = null;

  paused(now: number): void {
    if (this.start === null || this.end !== null) { this.start = now; this.end = null; }
  }

  resumed(now: number): void {
    if (this.start !== null && this.end === null) this.end = now;
  }

  get isPaused(): boolean { return this.start !== null && this.end === null; }

  /** A block that began before the last pause ended (with `slackMs` for delivery) is the pause's. */
  isPauseArtifact(durationMs: number, now: number, slackMs = 100): boolean {
    if (this.start === null) return false;
    if (this.end === null) return true;
    return now - durationMs <= this.end + slackMs;
  }
}
