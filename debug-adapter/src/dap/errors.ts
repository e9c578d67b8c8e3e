/**
 * The two kinds of failure a request handler may throw: `userError` (shown to the user as is) and
 * `silentError` (answered as an error, only logged; e.g. a hover on something that does not
 * evaluate). `session.ts` turns both, and any other exception, into a DAP error response in one place.
 */

export class DebugError extends Error {
  constructor(message: string, readonly showUser: boolean) { super(message); }
}

export function userError(message: string): DebugError { return new DebugError(message, true); }

export function silentError(message: string): DebugError { return new DebugError(message, false); }
