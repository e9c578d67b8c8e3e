// Placeholder until the analysis engine lands: see server/src/engine.ts for the contract.
import type { Engine, EngineOptions } from '../engine';

export async function createEngine(_options: EngineOptions = {}): Promise<Engine> {
  throw new Error('analysis engine not implemented yet');
}
