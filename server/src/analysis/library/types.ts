/** Shape shared by the generated typeshed table and the hand-written third-party table. */
export interface LibraryClass {
  /** Emitted base classes (qualified). */
  b?: string[];
  /** Methods: descriptor per name (see thirdParty.ts). */
  m: Record<string, string>;
  /**
   * Protocol flags over the full MRO: A=__aenter__, E=__enter__, I=__aiter__, T=__iter__,
   * W=__await__; C (hand-written table only) = a coroutine wrapper: nothing happens until it is
   * awaited or entered (aiohttp's `session.get()`), so dropping it is an unawaited coroutine.
   */
  f: string;
  /** Attribute types ('i:<class>'). */
  a?: Record<string, string>;
}

export interface LibraryTable {
  /** Module → public name → qualified name where it is defined. */
  modules: Record<string, Record<string, string>>;
  functions: Record<string, string>;
  classes: Record<string, LibraryClass>;
}
